import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/graphql-client.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

const CREATE = `mutation Create($input: CreateWebhookInput!) {
  createWebhook(input: $input) { signingSecret webhook { id url state version scope productId auth { type username headerName clientId tokenUrl } headers { name value } } }
}`;

describe('the webhook registry over GraphQL (real server, embedded file store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-registry-'));
  let server: ServerProcess;
  let admin: ReturnType<typeof graphqlClient>;
  const env = { HOOKGATE_DATA_DIR: dataDir, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN, HOOKGATE_ALLOW_HTTP: 'true' };

  /**
   * Waits until the automatic test of a webhook's current configuration has
   * run: the example.com urls do not resolve here, so it fails fast and the
   * webhook becomes INVALID (one more version). Returns the settled webhook.
   */
  async function tested(client: ReturnType<typeof graphqlClient>, id: string): Promise<{ state: string; version: number }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const webhook = (await client(`query($id: ID!) { webhook(id: $id) { state version } }`, { id })).data!.webhook;
      if (webhook.state !== 'NEW') return webhook;
      if (Date.now() > deadline) throw new Error(`webhook ${id} was not tested`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function newTenant(name: string) {
    const result = await admin(`mutation($n: String!) { createTenant(input: { name: $n }) { apiKey tenant { id } } }`, { n: name });
    expect(result.errors).toBeUndefined();
    const apiKey = result.data!.createTenant.apiKey as string;
    return { id: result.data!.createTenant.tenant.id as string, apiKey, client: graphqlClient(server.url, apiKey) };
  }

  beforeAll(async () => {
    server = await startServerProcess(env);
    admin = graphqlClient(server.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a webhook of each auth type, never returning a secret, and lists them', async () => {
    const { client } = await newTenant('acme');
    const auths = [
      { type: 'NONE' },
      { type: 'BASIC', username: 'user', password: 'pa55word-secret' },
      { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: 'api-key-secret' },
      { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'cid', clientSecret: 'client-secret-value', tokenUrl: 'https://auth.example.com/token' },
    ];
    for (const auth of auths) {
      const result = await client(CREATE, { input: { url: 'https://receiver.example.com/hooks', filters: { clouds: ['AWS'] }, auth } });
      expect(result.errors).toBeUndefined();
      const { webhook, signingSecret } = result.data!.createWebhook;
      expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(webhook).toMatchObject({ state: 'NEW', version: 0, scope: 'TENANT', auth: { type: auth.type } });
      expect(JSON.stringify(result)).not.toMatch(/pa55word|api-key-secret|client-secret-value/);
    }
    const list = await client(`{ webhooks(first: 10) { totalCount edges { node { id auth { type } } } pageInfo { hasNextPage } } }`);
    expect(list.data!.webhooks.totalCount).toBe(4);
    const history = await client(`query($id: ID!) { webhookHistory(id: $id) { type version actor data } }`, {
      id: list.data!.webhooks.edges[1].node.id,
    });
    expect(history.data!.webhookHistory[0]).toMatchObject({ type: 'WebhookCreated', version: 0 });
    expect(JSON.stringify(history)).toContain('[REDACTED]');
    expect(JSON.stringify(history)).not.toMatch(/pa55word|api-key-secret|client-secret-value|ciphertext/);
    // Nothing secret is stored in plain text either.
    expect(readFileSync(join(dataDir, 'events.db')).toString('latin1')).not.toMatch(/pa55word|api-key-secret|client-secret-value/);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, and changes nothing', async () => {
    const { client } = await newTenant('strict');
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://x.example.com', filters: { clouds: ['AWS'] } }, 'input.url'],
      [{ url: 'https://x.example.com', filters: {} }, 'input.filters'],
      [{ url: 'https://x.example.com', filters: { clouds: ['AWS'] }, auth: { type: 'BASIC', username: 'u' } }, 'input.auth.password'],
      [{ url: 'https://x.example.com', filters: { clouds: ['AWS'] }, headers: [{ name: 'Authorization', value: 'x' }] }, 'input.headers.Authorization'],
      [{ url: `https://x.example.com/${'a'.repeat(2100)}`, filters: { clouds: ['AWS'] } }, 'input.url'],
    ];
    for (const [input, field] of cases) {
      const result = await client(CREATE, { input });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const list = await client(`{ webhooks { totalCount } }`);
    expect(list.data!.webhooks.totalCount).toBe(0);
  });

  it('keeps tenants apart and requires a valid key', async () => {
    const a = await newTenant('a');
    const b = await newTenant('b');
    const created = await a.client(CREATE, { input: { url: 'https://a.example.com', filters: { eventTypes: ['order.*'] } } });
    const id = created.data!.createWebhook.webhook.id;
    const fromB = await b.client(`query($id: ID!) { webhook(id: $id) { id } }`, { id });
    expect(fromB.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const deactivateFromB = await b.client(`mutation($id: ID!) { deactivateWebhook(input: { id: $id }) { webhook { id } } }`, { id });
    expect(deactivateFromB.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = await graphqlClient(server.url, 'hgk_not-a-key')(`{ webhooks { totalCount } }`);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const notAdmin = await a.client(`mutation { createTenant(input: { name: "x" }) { apiKey } }`);
    expect(notAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('updates with optimistic concurrency, deactivates, reactivates, and answers webhookAt', async () => {
    const { client } = await newTenant('lifecycle');
    const created = await client(CREATE, { input: { url: 'https://one.example.com', filters: { productId: 'prod-1' } } });
    const id = created.data!.createWebhook.webhook.id;
    expect(await tested(client, id)).toEqual({ state: 'INVALID', version: 1 });
    const UPDATE = `mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { url state version } } }`;
    const updated = await client(UPDATE, { input: { id, url: 'https://two.example.com', expectedVersion: 1 } });
    expect(updated.data!.updateWebhook.webhook).toMatchObject({ url: 'https://two.example.com/', version: 2, state: 'NEW' });
    const stale = await client(UPDATE, { input: { id, url: 'https://three.example.com', expectedVersion: 1 } });
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const retested = await tested(client, id);

    const deactivated = await client(`mutation($id: ID!) { deactivateWebhook(input: { id: $id, reason: "paused" }) { webhook { state deactivationReason } } }`, { id });
    expect(deactivated.data!.deactivateWebhook.webhook).toEqual({ state: 'DEACTIVATED', deactivationReason: 'paused' });
    expect((await client(`{ webhooks { totalCount } }`)).data!.webhooks.totalCount).toBe(0);
    expect((await client(`{ webhooks(filter: { states: [DEACTIVATED] }) { totalCount } }`)).data!.webhooks.totalCount).toBe(1);
    const reactivated = await client(`mutation($id: ID!) { reactivateWebhook(input: { id: $id }) { webhook { state version } } }`, { id });
    expect(reactivated.data!.reactivateWebhook.webhook).toEqual({ state: 'NEW', version: retested.version + 2 });

    const at = await client(`query($id: ID!) { webhookAt(id: $id, version: 0) { url version } }`, { id });
    expect(at.data!.webhookAt).toEqual({ url: 'https://one.example.com/', version: 0 });
  });

  it('upserts one webhook per scope and keeps everything across a restart', async () => {
    const { client, apiKey } = await newTenant('upserter');
    const UPSERT = `mutation($input: CreateWebhookInput!) { upsertWebhook(input: $input) { created signingSecret webhook { id url } } }`;
    const first = await client(UPSERT, { input: { url: 'https://p.example.com/a', filters: { productId: 'p1' } } });
    const second = await client(UPSERT, { input: { url: 'https://p.example.com/b', filters: { productId: 'p1' } } });
    const tenantLevel = await client(UPSERT, { input: { url: 'https://t.example.com', filters: { clouds: ['GCP'] } } });
    expect(first.data!.upsertWebhook.created).toBe(true);
    expect(tenantLevel.data!.upsertWebhook.created).toBe(true);
    expect(second.data!.upsertWebhook).toMatchObject({
      created: false,
      signingSecret: null,
      webhook: { id: first.data!.upsertWebhook.webhook.id, url: 'https://p.example.com/b' },
    });
    // Both webhooks are tested automatically after their last change; compare once that has settled.
    await tested(client, first.data!.upsertWebhook.webhook.id);
    await tested(client, tenantLevel.data!.upsertWebhook.webhook.id);
    const before = await client(`{ webhooks(filter: { states: [NEW, VALID, INVALID] }) { totalCount edges { node { id url version state } } } }`);

    await server.stop();
    server = await startServerProcess(env);
    const afterRestart = graphqlClient(server.url, apiKey);
    const after = await afterRestart(`{ webhooks(filter: { states: [NEW, VALID, INVALID] }) { totalCount edges { node { id url version state } } } }`);
    expect(after.data).toEqual(before.data);
    expect(after.data!.webhooks.totalCount).toBe(2);
  });
});
