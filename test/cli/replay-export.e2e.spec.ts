import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/graphql-client.js';
import { until } from '../support/delivery-steps.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const ROOT = new URL('../../', import.meta.url).pathname;
const PASSWORD = 'pa55word-secret-of-tenant-a';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The tool as users run it: plain node on bin/hookgate.mjs, configured by the same environment as the server. */
function hookgate(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/hookgate.mjs', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function signedCall(url: string, secret: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const now = new Date();
  return fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, now, body),
    },
  });
}

describe('hookgate replay and export (CLI as a child process, store seeded through the real server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-cli-'));
  const env = { HOOKGATE_DATA_DIR: dataDir, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN };
  let server: ServerProcess;
  const secrets: string[] = [PASSWORD];
  let tenantA: string;
  let tenantB: string;
  let triggerA: { url: string; secret: string; id: string };
  let apiKeyA: string;

  async function seedTenant(name: string) {
    const admin = graphqlClient(server.url, ADMIN_TOKEN);
    const created = await admin(`mutation($n: String!) { createTenant(input: { name: $n }) { apiKey tenant { id } } }`, { n: name });
    const client = graphqlClient(server.url, created.data!.createTenant.apiKey as string);
    secrets.push(created.data!.createTenant.apiKey as string);
    const webhook = await client(
      `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { signingSecret webhook { id } } }`,
      { input: { url: 'https://receiver.example.com/hooks', filters: { eventTypes: ['order.*'] }, auth: { type: 'BASIC', username: 'u', password: PASSWORD } } },
    );
    expect(webhook.errors).toBeUndefined();
    secrets.push(webhook.data!.createWebhook.signingSecret as string);
    await client(`mutation($id: ID!) { updateWebhook(input: { id: $id, description: "second version" }) { webhook { id } } }`, {
      id: webhook.data!.createWebhook.webhook.id,
    });
    const trigger = await client(`mutation { createTrigger(input: { name: "orders", forwardAsEventType: "order.received" }) { secret trigger { id url } } }`);
    const { secret, trigger: t } = trigger.data!.createTrigger as { secret: string; trigger: { id: string; url: string } };
    secrets.push(secret);
    for (let i = 0; i < 3; i++) expect((await signedCall(t.url, secret, { order: i, tenant: name })).status).toBe(202);
    return { tenantId: created.data!.createTenant.tenant.id as string, apiKey: created.data!.createTenant.apiKey as string, trigger: { ...t, secret } };
  }

  beforeAll(async () => {
    server = await startServerProcess(env);
    const a = await seedTenant('tenant-a');
    const b = await seedTenant('tenant-b');
    tenantA = a.tenantId;
    tenantB = b.tenantId;
    triggerA = a.trigger;
    apiKeyA = a.apiKey;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('replay while the server runs and keeps writing: rebuilds every projection with a progress bar and finds no difference', async () => {
    const running = hookgate(['replay'], env);
    const calls = Array.from({ length: 20 }, (_, i) => signedCall(triggerA.url, triggerA.secret, { during: i }));
    expect((await Promise.all(calls)).every((r) => r.status === 202)).toBe(true);
    const run = await running;
    expect(run.stderr).toMatch(/replay \[.*\] 100% \| (\d+)\/\1 events \| \d+ events\/s \| ETA/);
    expect(run.stdout).toMatch(/^replayed \d+ events/m);
    for (const table of ['tenants', 'api_keys', 'webhooks', 'triggers', 'trigger_runs', 'checkpoints']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${table}: equal`, 'm'));
    }
    expect(run.stdout).toContain('no differences');
    expect(run.code).toBe(0);
  });

  it('export writes the tenant’s history as JSON Lines: only its events, in order, secrets redacted', async () => {
    // Each call is forwarded as an event by a background reactor; wait until all 23 are, so the history is complete.
    const client = graphqlClient(server.url, apiKeyA);
    await until(async () => {
      const runs = await client(`query($id: ID!) { triggerRuns(triggerId: $id, first: 100) { edges { node { forwardedMessageId } } } }`, { id: triggerA.id });
      const nodes = (runs.data?.triggerRuns.edges ?? []) as { node: { forwardedMessageId: string | null } }[];
      return nodes.length === 23 && nodes.every((edge) => edge.node.forwardedMessageId !== null);
    }, 'every trigger call of tenant A forwarded');
    const run = await hookgate(['export', '--tenant', tenantA], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as { position: number; stream: string; type: string; metadata: { tenantId: string }; data: unknown });
    expect(events.every((e) => e.metadata.tenantId === tenantA)).toBe(true);
    const positions = events.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    // The automatic test of the webhook (WebhookTested) may or may not have run yet.
    expect(new Set(events.map((e) => e.type).filter((type) => type !== 'WebhookTested'))).toEqual(
      new Set(['TenantCreated', 'ApiKeyIssued', 'WebhookCreated', 'WebhookUpdated', 'TriggerCreated', 'TriggerFired', 'IdempotencyKeyClaimed', 'MessagePublished', 'TriggerRunForwarded']),
    );
    expect(events.filter((e) => e.type === 'TriggerFired')).toHaveLength(23);
    expect(events.filter((e) => e.type === 'TriggerRunForwarded')).toHaveLength(23);
    expect(events[0]).toMatchObject({ stream: `tenant-${tenantA}`, type: 'TenantCreated' });
    // A call of a trigger is done by the trigger, not by a tenant key.
    expect(events.find((e) => e.type === 'TriggerFired')!.metadata).toMatchObject({ actor: `trigger:${triggerA.id}` });
    expect(run.stdout).toContain('"[REDACTED]"');
    expect(run.stdout).not.toContain(tenantB);
    for (const secret of secrets) expect(run.stdout).not.toContain(secret);
    expect(run.stdout).not.toMatch(/ciphertext/);
    expect(run.stdout).toContain('"keyHash":"[REDACTED]"');
    expect(run.stdout).not.toMatch(/"keyHash":"(?!\[REDACTED\])/);
    expect(run.stderr).toContain(`exported ${events.length} events of tenant ${tenantA}`);

    const file = join(dataDir, 'export-a.jsonl');
    const toFile = await hookgate(['export', '--tenant', tenantA, '--out', file], env);
    expect(toFile.code).toBe(0);
    expect(toFile.stdout).toBe('');
    expect(toFile.stderr).toMatch(/export \[.*\] 100%/);
    expect(readFileSync(file, 'utf8')).toBe(run.stdout);

    const unknown = await hookgate(['export', '--tenant', 'no-such-tenant'], env);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('No tenant no-such-tenant');
    expect((await hookgate(['export'], env)).code).toBe(2);
    expect((await hookgate(['replay', '--bogus'], env)).code).toBe(2);
  });

  it('replay reports a tampered live read model (exit 1, naming the tables), --write repairs it, and the server serves the repaired one', async () => {
    await server.stop();
    const live = new Database(join(dataDir, 'readmodels.db'));
    live.prepare(`UPDATE webhooks SET state = 'VALID', doc = json_set(doc, '$.state', 'VALID') WHERE tenant_id = ?`).run(tenantA);
    live.prepare(`DELETE FROM trigger_runs WHERE run_id = (SELECT run_id FROM trigger_runs WHERE tenant_id = ? LIMIT 1)`).run(tenantB);
    live.prepare(`DELETE FROM triggers WHERE tenant_id = ?`).run(tenantB);
    live.close();

    const tampered = await hookgate(['replay'], env);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/^  webhooks: DIFFERS: 2 rows live, 2 rebuilt; 1 only in live, 1 only in rebuilt$/m);
    // A row of the same key on both sides is shown as what changed in it, down into its JSON document.
    expect(tampered.stdout).toMatch(/^    changed \{"id":"[^"]+"\}:\n      doc\.state: live "VALID", rebuilt "(NEW|INVALID)"\n      state: live "VALID", rebuilt "(NEW|INVALID)"$/m);
    expect(tampered.stdout).toMatch(/^  trigger_runs: DIFFERS: 25 rows live, 26 rebuilt; 0 only in live, 1 only in rebuilt$/m);
    expect(tampered.stdout).toMatch(/^    only rebuilt: \{.*tenant-b/m);
    expect(tampered.stdout).toMatch(/^  triggers: DIFFERS: 1 rows live, 2 rebuilt; 0 only in live, 1 only in rebuilt$/m);
    expect(tampered.stdout).toMatch(/^  tenants: equal/m);
    expect(tampered.stdout).toContain('differences in 3 table(s): trigger_runs, triggers, webhooks');
    // The trigger's document holds its sealed secret: shown redacted, never its ciphertext.
    expect(tampered.stdout).toMatch(/^    only rebuilt: .*\\"secret\\":\\"\[REDACTED\]\\"/m);
    expect(tampered.stdout).not.toMatch(/ciphertext|"iv"/);
    for (const secret of secrets) expect(tampered.stdout).not.toContain(secret);

    const written = await hookgate(['replay', '--write'], env);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain('wrote the rebuilt read model');
    const again = await hookgate(['replay'], env);
    expect(again.stdout).toContain('no differences');
    expect(again.code).toBe(0);

    server = await startServerProcess(env);
    const admin = graphqlClient(server.url, ADMIN_TOKEN);
    const key = await admin(`mutation($t: ID!) { issueApiKey(input: { tenantId: $t, name: "check" }) { key } }`, { t: tenantA });
    const client = graphqlClient(server.url, key.data!.issueApiKey.key as string);
    const read = await client(`query($id: ID!) { triggerRuns(triggerId: $id) { totalCount } webhooks { edges { node { state } } } }`, { id: triggerA.id });
    expect(read.errors).toBeUndefined();
    expect(read.data!.triggerRuns.totalCount).toBe(23);
    // What the log says, not the tampered VALID: NEW, or INVALID once its automatic test against an unreachable url ran.
    expect(read.data!.webhooks.edges).toHaveLength(1);
    expect(['NEW', 'INVALID']).toContain(read.data!.webhooks.edges[0].node.state);
  });
});
