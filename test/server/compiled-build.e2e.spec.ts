import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTenantDocument, CreateWebhookDocument, PublishEventDocument } from '../generated/graphql.js';
import { startReceiver, type WebhookReceiver } from '../support/receivers/webhook-receiver.js';
import { buildServer, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { typedClient } from '../support/typed-client.js';

const ROOT = new URL('../../', import.meta.url).pathname;
// Inside the checkout (git-ignored), so that the build resolves the installed packages as dist/ does.
const BUILD_DIR = '.tmp/build-e2e';
const ADMIN_TOKEN = 'compiled-build-admin-token';

describe('the compiled server (`npm run build`, as `npm start` runs it)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-compiled-'));
  let server: ServerProcess;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    buildServer(BUILD_DIR);
    receiver = await startReceiver();
    server = await startServerProcess(
      { HOOKGATE_DATA_DIR: dataDir, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN, HOOKGATE_ALLOW_HTTP: 'true', HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true' },
      30_000,
      { from: 'compiled', buildDir: BUILD_DIR },
    );
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(ROOT, BUILD_DIR), { recursive: true, force: true });
  });

  it('starts from plain JavaScript and delivers signed events from its sender thread', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const admin = typedClient(server.url, ADMIN_TOKEN);
    const tenant = await admin(CreateTenantDocument, { input: { name: 'compiled' } });
    const api = typedClient(server.url, tenant.data!.createTenant.apiKey);
    const created = await api(CreateWebhookDocument, { input: { url: receiver.url, filters: { eventTypes: ['order.*'] } } });
    receiver.setSecrets([created.data!.createWebhook.signingSecret]);
    // The automatic webhook.test, then the published event.
    await receiver.waitForRequests(1, 10_000);
    // Once that test has made the webhook VALID, a publish is routed to it.
    let routed = 0;
    for (let i = 0; i < 50 && routed === 0; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const published = await api(PublishEventDocument, { input: { type: 'order.created', payload: { n: 1 } } });
      routed = published.data!.publishEvent.deliveries.length;
    }
    expect(routed).toBe(1);
    const requests = await receiver.waitForRequests(2, 10_000);
    expect(requests.every((request) => request.verified)).toBe(true);
    expect(requests.some((request) => request.body.includes('"type":"order.created"'))).toBe(true);
    // Sent by the thread, not by the main thread's fallback.
    expect(server.output.filter((line) => line.includes('sender thread failed'))).toEqual([]);
    // The WAL checkpoint threads (one per SQLite file) started from plain JavaScript too.
    expect(server.output.filter((line) => line.includes('background WAL checkpoints'))).toEqual([]);
  });
});
