import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/graphql-client.js';
import { replies } from '../support/receivers/receiver-replies.js';
import { startReceiver, type WebhookReceiver } from '../support/receivers/webhook-receiver.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const EVENTS = 1_000;
const PUBLISHERS = 32;
/** The server is killed once this many publishes were acknowledged. */
const KILL_AFTER = 500;

describe('at-least-once delivery across a kill -9 (real server, real receiver)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-crash-'));
  const env = {
    HOOKGATE_DATA_DIR: dataDir,
    HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    HOOKGATE_ALLOW_HTTP: 'true',
    HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKGATE_RETRY_SCHEDULE: '0,200ms,500ms,1s,2s',
  };
  let server: ServerProcess | undefined;
  let receiver: WebhookReceiver | undefined;

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every acknowledged publish at least once after SIGKILL mid-burst and a restart', async () => {
    // A receiver slower than the publishers, so that a backlog is pending when the server dies.
    receiver = await startReceiver({ behaviour: replies.slow(50) });
    server = await startServerProcess(env);
    const admin = graphqlClient(server.url, ADMIN_TOKEN);
    const tenant = await admin(`mutation { createTenant(input: { name: "crash" }) { apiKey } }`);
    const apiKey = tenant.data!.createTenant.apiKey as string;
    const client = graphqlClient(server.url, apiKey);
    const created = await client(
      `mutation($url: String!) { createWebhook(input: { url: $url, filters: { eventTypes: ["burst.*"] } }) { signingSecret webhook { id } } }`,
      { url: receiver.url },
    );
    receiver.setSecrets([created.data!.createWebhook.signingSecret]);
    const webhookId = created.data!.createWebhook.webhook.id;
    for (let i = 0; ; i++) {
      const state = (await client(`query($id: ID!) { webhook(id: $id) { state } }`, { id: webhookId })).data!.webhook.state;
      if (state === 'VALID') break;
      if (i > 200) throw new Error(`webhook stayed ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    // Publish concurrently; what the server acknowledged is what must arrive.
    const acknowledged = new Set<string>();
    let next = 0;
    let killed: Promise<unknown> | undefined;
    const publisher = async () => {
      while (next < EVENTS) {
        const n = next++;
        try {
          const result = await client(`mutation($input: PublishEventInput!) { publishEvent(input: $input) { message { id } } }`, {
            input: { type: 'burst.event', payload: { n } },
          });
          const id = result.data?.publishEvent?.message?.id as string | undefined;
          if (id) acknowledged.add(id);
        } catch {
          // The connection died with the server: not acknowledged, so not promised.
        }
        if (acknowledged.size >= KILL_AFTER && !killed) killed = server!.stop('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: PUBLISHERS }, publisher));
    await killed;
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acknowledged.size).toBeLessThan(EVENTS);
    const receivedBeforeRestart = new Set(receiver.requests.map((r) => r.webhookId));
    const backlog = [...acknowledged].filter((id) => !receivedBeforeRestart.has(id)).length;
    // Otherwise this run would not show that a restart resumes anything.
    expect(backlog).toBeGreaterThan(0);

    server = await startServerProcess(env);
    const received = () => new Set(receiver!.requests.filter((r) => r.verified).map((r) => r.webhookId));
    const deadline = Date.now() + 60_000;
    let missing = [...acknowledged].filter((id) => !received().has(id));
    while (missing.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      missing = missing.filter((id) => !received().has(id));
    }
    expect(missing).toEqual([]);
    console.info(`crash test: ${acknowledged.size} acknowledged, ${backlog} still undelivered at the kill, all delivered after the restart`);
  });
});
