import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/graphql-client.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { liveClient, type Result } from '../support/ws-client.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const AUDIT_LOG = `subscription($after: String) { auditLog(after: $after) { position type stream } }`;
type Entry = { position: string; type: string; stream: string };

/** Runs `count` tasks with at most `concurrency` in flight. */
async function concurrently(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

describe('auditLog resumes exactly where a client left off (real server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-resume-'));
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess({
      HOOKGATE_DATA_DIR: dataDir,
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_HTTP: 'true',
      // Webhooks on 127.0.0.1 (nothing listens on port 9), so that neither registration nor the automatic test
      // waits on DNS: a resolver that drops one query in a few dozen costs 5 s each time.
      HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('misses nothing and repeats nothing while 1,000 changes are made before, during and after its absence', async () => {
    const admin = graphqlClient(server.url, ADMIN_TOKEN);
    const created = await admin(`mutation { createTenant(input: { name: "resumer" }) { apiKey } }`);
    const apiKey = created.data!.createTenant.apiKey as string;
    const http = graphqlClient(server.url, apiKey);
    const webhookIds: string[] = [];
    const createWebhook = async (i: number) => {
      const result = await http(`mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }`, {
        input: { url: `http://127.0.0.1:9/r${i}`, filters: { eventTypes: [`order.${i}`] } },
      });
      expect(result.errors).toBeUndefined();
      webhookIds.push(result.data!.createWebhook.webhook.id);
    };
    const updateWebhook = async (i: number) => {
      const result = await http(`mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { id } } }`, {
        input: { id: webhookIds[i], description: `changed while resuming ${i}` },
      });
      expect(result.errors).toBeUndefined();
    };
    // TenantCreated and ApiKeyIssued, then 1,000 changes, and the automatic test of each of the 700 new webhooks.
    const total = 2 + 1_000 + 700;

    // A reference client stays connected throughout.
    const reference = liveClient(server.url, { apiKey }).subscribe<{ auditLog: Entry }>(AUDIT_LOG, { after: '0' });

    // First session: leaves halfway through a burst of 400 creations.
    const first = liveClient(server.url, { apiKey });
    const firstSession = first.subscribe<{ auditLog: Entry }>(AUDIT_LOG, { after: '0' });
    const burst = concurrently(400, 25, createWebhook);
    await firstSession.waitFor(150, 60_000);
    await first.dispose();
    const seenFirst = [...firstSession.results];
    await burst;

    // While it is away: 300 more creations.
    await concurrently(300, 25, (i) => createWebhook(400 + i));

    // Second session resumes after the last position it saw, in the middle of 300 updates: some are appended
    // while it reads the log it missed, so the switch-over from the log to live events is exercised.
    const last = seenFirst[seenFirst.length - 1]!.data!.auditLog.position;
    let updatesDone = 0;
    const updates = concurrently(300, 25, async (i) => {
      await updateWebhook(i);
      updatesDone++;
    });
    while (updatesDone < 50) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = liveClient(server.url, { apiKey });
    const secondSession = second.subscribe<{ auditLog: Entry }>(AUDIT_LOG, { after: last });
    await updates;

    const all = await reference.waitFor(total, 120_000);
    const finalPosition = all[all.length - 1]!.data!.auditLog.position;
    await secondSession.waitUntil((results) => results.at(-1)?.data?.auditLog.position === finalPosition, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const positions = (results: Result<{ auditLog: Entry }>[]) => results.map((r) => Number(r.data!.auditLog.position));
    const expected = positions(all);
    expect(expected).toHaveLength(total);
    expect(new Set(expected).size).toBe(total);
    const resumed = [...positions(seenFirst), ...positions(secondSession.results)];
    // Exactly the reference sequence: in order, no gap at the switch-over, no duplicate.
    expect(resumed).toEqual(expected);
    expect(positions(seenFirst).length).toBeLessThan(total);
    expect(secondSession.results.every((r) => r.errors === undefined)).toBe(true);
    await second.dispose();
  });
});
