import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KurrentDbDouble, startKurrentDbDouble } from '../kurrentdb-double/kurrentdb-double.js';
import { graphqlClient } from '../support/graphql-client.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { liveClient, type LiveClient, type Subscription } from '../support/ws-client.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const WEBHOOK_CHANGED = `subscription { webhookChanged { webhook { id url description version } event { type version } } }`;
const AUDIT_LOG = `subscription($after: String) { auditLog(after: $after) { position type stream } }`;

describe('two gateway instances on one KurrentDB (test double)', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'hookgate-gw1-')), mkdtempSync(join(tmpdir(), 'hookgate-gw2-'))];
  let double: KurrentDbDouble;
  let gateways: ServerProcess[] = [];
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    double = await startKurrentDbDouble();
    const shared = {
      KURRENTDB_CONNECTION_STRING: double.connectionString,
      HOOKGATE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_HTTP: 'true',
      NODE_ENV: 'production',
    };
    gateways = await Promise.all(dirs.map((dir, i) => startServerProcess({ ...shared, HOOKGATE_DATA_DIR: dir, HOOKGATE_INSTANCE_ID: `gw-${i}` })));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await double?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Connects to a gateway once its read model knows the key (it learns it from the shared log). */
  async function connect(gateway: ServerProcess, apiKey: string): Promise<LiveClient> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const client = liveClient(gateway.url, { apiKey });
      const outcome = await Promise.race([client.connected.then(() => 'connected'), client.closed]);
      if (outcome === 'connected') {
        clients.push(client);
        return client;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the gateway never accepted the key');
  }

  async function untilSeen(subscription: Subscription<any>, poke: (attempt: number) => Promise<void>): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const before = subscription.results.length;
      await poke(attempt);
      try {
        await subscription.waitFor(before + 1, 300);
        return;
      } catch {
        // not registered yet
      }
    }
    throw new Error('the subscription never received anything');
  }

  it('a change made through one instance reaches subscribers of the other, both ways', async () => {
    const [one, two] = gateways as [ServerProcess, ServerProcess];
    const created = await graphqlClient(one.url, ADMIN_TOKEN)(`mutation { createTenant(input: { name: "shared" }) { apiKey } }`);
    expect(created.errors).toBeUndefined();
    const apiKey = created.data!.createTenant.apiKey as string;
    const viaOne = graphqlClient(one.url, apiKey);
    const viaTwo = graphqlClient(two.url, apiKey);

    const onTwo = await connect(two, apiKey);
    const onOne = await connect(one, apiKey);
    const changesOnTwo = onTwo.subscribe(WEBHOOK_CHANGED);
    const changesOnOne = onOne.subscribe(WEBHOOK_CHANGED);
    const auditOnTwo = onTwo.subscribe(AUDIT_LOG, { after: '0' });

    const first = await viaOne(`mutation { createWebhook(input: { url: "https://one.example.com", filters: { clouds: [AWS] } }) { webhook { id } } }`);
    expect(first.errors).toBeUndefined();
    const id = first.data!.createWebhook.webhook.id as string;
    const update = (client: ReturnType<typeof graphqlClient>, description: string) =>
      client(`mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { version } } }`, { input: { id, description } }).then(
        (result) => expect(result.errors).toBeUndefined(),
      );
    await untilSeen(changesOnTwo, (n) => update(viaOne, `probe two ${n}`));
    await untilSeen(changesOnOne, (n) => update(viaTwo, `probe one ${n}`));

    // Through instance one, seen on two; through two, seen on one.
    await update(viaOne, 'made through one');
    await update(viaTwo, 'made through two');
    const onTwoResults = await changesOnTwo.waitUntil((r) => r.some((x) => x.data!.webhookChanged.webhook.description === 'made through two'));
    const onOneResults = await changesOnOne.waitUntil((r) => r.some((x) => x.data!.webhookChanged.webhook.description === 'made through two'));
    for (const results of [onTwoResults, onOneResults]) {
      const descriptions = results.map((r) => r.data!.webhookChanged.webhook.description);
      expect(descriptions.slice(-2)).toEqual(['made through one', 'made through two']);
      const versions = results.map((r) => r.data!.webhookChanged.webhook.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
    }

    // The audit log on instance two has the tenant's whole history, written through both instances, once each.
    const lastVersion = onTwoResults.at(-1)!.data!.webhookChanged.event.version;
    // Every change after creation moves the version on: the updates made here and the automatic tests of the webhook.
    const changesAfterCreation = (results: { data?: any }[]) =>
      results.filter((r) => ['WebhookUpdated', 'WebhookTested'].includes(r.data!.auditLog.type)).length;
    const history = await auditOnTwo.waitUntil((r) => changesAfterCreation(r) >= lastVersion);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const positions = history.map((r) => Number(r.data!.auditLog.position));
    expect(new Set(positions).size).toBe(positions.length);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(history.map((r) => r.data!.auditLog.type).slice(0, 3)).toEqual(['TenantCreated', 'ApiKeyIssued', 'WebhookCreated']);
    expect(changesAfterCreation(history)).toBeGreaterThanOrEqual(lastVersion);
    expect(history).toHaveLength(3 + changesAfterCreation(history));
  });

  it('revoking a key through one instance closes its connections on the other', async () => {
    const [one, two] = gateways as [ServerProcess, ServerProcess];
    const created = await graphqlClient(one.url, ADMIN_TOKEN)(`mutation { createTenant(input: { name: "revoking" }) { apiKey apiKeyId } }`);
    const { apiKey, apiKeyId } = created.data!.createTenant;
    const onTwo = await connect(two, apiKey);
    const revoked = await graphqlClient(one.url, apiKey)(`mutation($k: ID!) { revokeApiKey(input: { keyId: $k }) { apiKey { revokedAt } } }`, { k: apiKeyId });
    expect(revoked.errors).toBeUndefined();
    expect(await onTwo.closed).toEqual({ code: 4403, reason: 'Forbidden: the API key was revoked' });
  });
});
