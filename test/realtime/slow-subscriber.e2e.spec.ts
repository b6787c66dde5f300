import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphqlClient } from '../support/graphql-client.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { liveClient } from '../support/ws-client.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const BUFFER = 100;
const AUDIT_LOG = `subscription { auditLog(after: "0") { position type data } }`;

/** Runs `count` tasks with at most `concurrency` in flight. */
async function concurrently(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Speaks graphql-transport-ws by hand, so that the test can stop reading the socket like a stuck client. */
async function rawSubscriber(baseUrl: string, apiKey: string, subscriptions: number) {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: { type: string; id?: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = once(socket, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }));
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey } }));
  while (!messages.some((m) => m.type === 'connection_ack')) await new Promise((resolve) => setTimeout(resolve, 5));
  for (let i = 0; i < subscriptions; i++) {
    socket.send(JSON.stringify({ id: `s${i}`, type: 'subscribe', payload: { query: AUDIT_LOG } }));
  }
  // Each subscription replays the tenant's log first: once every one has sent something, all are registered.
  while (new Set(messages.filter((m) => m.type === 'next').map((m) => m.id)).size < subscriptions) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { socket, messages, closed };
}

describe('a slow subscriber (real server, subscription buffer of 100)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-slow-'));
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess({
      HOOKGATE_DATA_DIR: dataDir,
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_HTTP: 'true',
      // Webhooks on 127.0.0.1, so that neither registration nor the automatic test waits on DNS.
      HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
      HOOKGATE_SUBSCRIPTION_BUFFER: String(BUFFER),
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is cut off with a clear reason while a fast one on the same tenant keeps up', async () => {
    const admin = graphqlClient(server.url, ADMIN_TOKEN);
    const created = await admin(`mutation { createTenant(input: { name: "busy" }) { apiKey } }`);
    const apiKey = created.data!.createTenant.apiKey as string;
    const http = graphqlClient(server.url, apiKey);

    const fast = liveClient(server.url, { apiKey });
    const fastLog = fast.subscribe<{ auditLog: { position: string } }>(AUDIT_LOG);
    await fastLog.waitFor(2);
    const slow = await rawSubscriber(server.url, apiKey, 5);
    // From now on it reads nothing: the kernel's socket buffers fill, then its queues on the server.
    slow.socket.pause();
    const receivedBeforePause = slow.messages.length;

    // Big events (about 80 KB each, five subscriptions on the slow socket) fill the socket buffers quickly.
    const headers = Array.from({ length: 20 }, (_, i) => ({ name: `X-Pad-${i}`, value: 'x'.repeat(4_000) }));
    const changes = 400;
    await concurrently(changes, 8, async (i) => {
      const result = await http(`mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }`, {
        input: { url: `http://127.0.0.1:9/slow${i}`, filters: { eventTypes: [`order.${i}`] }, headers },
      });
      expect(result.errors).toBeUndefined();
    });

    // The fast subscriber got every event (TenantCreated, ApiKeyIssued, the creations and the automatic test
    // each creation causes), in order.
    const all = await fastLog.waitFor(2 + 2 * changes, 120_000);
    const positions = all.map((r) => Number(r.data!.auditLog.position));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(2 + 2 * changes);
    expect(all.every((r) => r.errors === undefined)).toBe(true);

    // Reading again, the slow client finds what was already on its socket, then the close with the reason.
    slow.socket.resume();
    const closed = await slow.closed;
    expect(closed).toEqual({ code: 4008, reason: `subscriber too slow: more than ${BUFFER} messages behind` });
    const deliveredToSlow = slow.messages.filter((m) => m.type === 'next').length;
    expect(deliveredToSlow - receivedBeforePause).toBeLessThan(5 * changes);

    // The fast one is still connected and live.
    const more = await http(`mutation { createWebhook(input: { url: "http://127.0.0.1:9/after", filters: { eventTypes: ["x"] } }) { webhook { id } } }`);
    expect(more.errors).toBeUndefined();
    await fastLog.waitFor(3 + changes);
    await fast.dispose();
  });
});
