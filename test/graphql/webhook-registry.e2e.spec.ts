import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTenantDocument,
  CreateWebhookDocument,
  DeactivateWebhookDocument,
  IssueApiKeyDocument,
  ReactivateWebhookDocument,
  RevokeApiKeyDocument,
  RotateWebhookSecretDocument,
  TenantDocument,
  UpdateWebhookDocument,
  UpsertWebhookDocument,
  WebhookAtDocument,
  WebhookDocument,
  WebhookHistoryDocument,
  WebhookSigningSecretDocument,
  WebhooksDocument,
  type WebhookAuthInput,
} from '../generated/graphql.js';
import { startRegistryServer, type RegistryServer } from '../support/registry-server.js';
import { dataOf, errorOf } from '../support/typed-client.js';

// Receivers under .invalid never resolve, so that the automatic test the delivery work runs after a change reaches nobody.
const receiver = (path: string) => `https://receiver.invalid/${path}`;

describe('the webhook registry over GraphQL (real server, embedded file store)', () => {
  let hookgate: RegistryServer;

  beforeAll(async () => {
    hookgate = await startRegistryServer();
  });
  afterAll(async () => {
    await hookgate?.stop();
  });

  it('creates a webhook of each auth type, never returning a secret, and lists them', async () => {
    const { client } = await hookgate.newTenant('acme');
    const auths: WebhookAuthInput[] = [
      { type: 'NONE' },
      { type: 'BASIC', username: 'user', password: 'pa55word-secret' },
      { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: 'api-key-secret' },
      { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'cid', clientSecret: 'client-secret-value', tokenUrl: 'https://auth.receiver.invalid/token' },
    ];
    for (const auth of auths) {
      const result = await client(CreateWebhookDocument, { input: { url: receiver('hooks'), filters: { clouds: ['AWS'] }, auth } });
      const { webhook, signingSecret } = dataOf(result).createWebhook;
      expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(webhook).toMatchObject({ state: 'NEW', version: 0, scope: 'TENANT', auth: { type: auth.type } });
      expect(JSON.stringify(result)).not.toMatch(/pa55word|api-key-secret|client-secret-value/);
    }
    const list = dataOf(await client(WebhooksDocument, { first: 10 })).webhooks;
    expect(list.totalCount).toBe(4);
    expect(list.edges.map((edge) => edge.node.auth.type)).toEqual(auths.map((auth) => auth.type));
    const history = await client(WebhookHistoryDocument, { id: list.edges[1]!.node.id });
    expect(dataOf(history).webhookHistory[0]).toMatchObject({ type: 'WebhookCreated', version: 0 });
    expect(JSON.stringify(history)).toContain('[REDACTED]');
    expect(JSON.stringify(history)).not.toMatch(/pa55word|api-key-secret|client-secret-value|ciphertext/);
    // Nothing secret is stored in plain text either.
    expect(readFileSync(join(hookgate.dataDir, 'events.db')).toString('latin1')).not.toMatch(/pa55word|api-key-secret|client-secret-value/);
  });

  it('keeps tenants apart and requires a valid key', async () => {
    const a = await hookgate.newTenant('a');
    const b = await hookgate.newTenant('b');
    const created = dataOf(await a.client(CreateWebhookDocument, { input: { url: receiver('a'), filters: { eventTypes: ['order.*'] } } }));
    const id = created.createWebhook.webhook.id;
    expect(errorOf(await b.client(WebhookDocument, { id })).extensions?.code).toBe('NOT_FOUND');
    expect(errorOf(await b.client(DeactivateWebhookDocument, { input: { id } })).extensions?.code).toBe('NOT_FOUND');
    expect(dataOf(await b.client(WebhooksDocument)).webhooks.totalCount).toBe(0);
    expect(errorOf(await hookgate.client('hgk_not-a-key')(WebhooksDocument)).extensions?.code).toBe('UNAUTHENTICATED');
    expect(errorOf(await a.client(CreateTenantDocument, { input: { name: 'x' } })).extensions?.code).toBe('FORBIDDEN');
  });

  it('updates with optimistic concurrency, deactivates, reactivates, and answers webhookAt', async () => {
    const { client } = await hookgate.newTenant('lifecycle');
    const created = dataOf(await client(CreateWebhookDocument, { input: { url: receiver('one'), filters: { productId: 'prod-1' } } }));
    const id = created.createWebhook.webhook.id;

    // Deactivated first: nothing (such as an automatic test) changes it behind our back, so its version stays put.
    const deactivated = dataOf(await client(DeactivateWebhookDocument, { input: { id, reason: 'paused' } })).deactivateWebhook.webhook;
    expect(deactivated).toMatchObject({ state: 'DEACTIVATED', deactivationReason: 'paused', deactivatedBy: 'USER' });
    expect(dataOf(await client(WebhooksDocument)).webhooks.totalCount).toBe(0);
    expect(dataOf(await client(WebhooksDocument, { filter: { states: ['DEACTIVATED'] } })).webhooks.totalCount).toBe(1);

    const updated = dataOf(
      await client(UpdateWebhookDocument, { input: { id, url: receiver('two'), expectedVersion: deactivated.version } }),
    ).updateWebhook.webhook;
    expect(updated).toMatchObject({ url: receiver('two'), version: deactivated.version + 1, state: 'DEACTIVATED' });
    const stale = await client(UpdateWebhookDocument, { input: { id, url: receiver('three'), expectedVersion: deactivated.version } });
    expect(errorOf(stale).extensions?.code).toBe('CONFLICT');
    expect(dataOf(await client(WebhookDocument, { id })).webhook.url).toBe(receiver('two'));

    const reactivated = dataOf(await client(ReactivateWebhookDocument, { input: { id, expectedVersion: updated.version } }));
    expect(reactivated.reactivateWebhook.webhook).toMatchObject({ state: 'NEW', version: updated.version + 1 });

    const at = dataOf(await client(WebhookAtDocument, { id, version: 0 })).webhookAt;
    expect(at).toMatchObject({ url: receiver('one'), version: 0, state: 'NEW' });
  });

  it('issues API keys (by the admin or the tenant itself), shows them without the key, and revokes them', async () => {
    const tenant = await hookgate.newTenant('keys');
    const byAdmin = dataOf(await hookgate.admin(IssueApiKeyDocument, { input: { tenantId: tenant.id, name: 'ci' } })).issueApiKey;
    const bySelf = dataOf(await tenant.client(IssueApiKeyDocument, { input: { name: 'laptop' } })).issueApiKey;
    for (const issued of [byAdmin, bySelf]) {
      expect(issued.key).toMatch(/^hgk_/);
      expect(issued.key.startsWith(issued.apiKey.prefix)).toBe(true);
      expect(dataOf(await hookgate.client(issued.key)(TenantDocument)).tenant.id).toBe(tenant.id);
    }
    const listed = dataOf(await tenant.client(TenantDocument)).tenant.apiKeys;
    expect(listed.map((key) => key.name)).toEqual(expect.arrayContaining(['ci', 'laptop']));
    expect(JSON.stringify(listed)).not.toContain(byAdmin.key);

    const revoked = dataOf(await tenant.client(RevokeApiKeyDocument, { input: { keyId: byAdmin.apiKey.id } })).revokeApiKey;
    expect(revoked.apiKey.revokedAt).not.toBeNull();
    expect(errorOf(await hookgate.client(byAdmin.key)(TenantDocument)).extensions?.code).toBe('UNAUTHENTICATED');
    expect(dataOf(await hookgate.client(bySelf.key)(TenantDocument)).tenant.id).toBe(tenant.id);
  });

  it('rotates the signing secret, keeping the previous one valid for the overlap, never showing either in the history', async () => {
    const { client } = await hookgate.newTenant('rotator');
    const created = dataOf(await client(CreateWebhookDocument, { input: { url: receiver('rotate'), filters: { eventTypes: ['*'] } } })).createWebhook;
    const { id } = created.webhook;
    const before = Date.now();
    const rotated = dataOf(await client(RotateWebhookSecretDocument, { input: { id, overlapSeconds: 3600 } })).rotateWebhookSecret;
    expect(rotated.signingSecret).toMatch(/^whsec_/);
    expect(rotated.signingSecret).not.toBe(created.signingSecret);
    const expires = Date.parse(rotated.webhook.previousSecretExpiresAt!);
    expect(expires).toBeGreaterThanOrEqual(before + 3_599_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3_601_000);
    expect(dataOf(await client(WebhookSigningSecretDocument, { id })).webhook.signingSecret).toBe(rotated.signingSecret);

    const history = await client(WebhookHistoryDocument, { id });
    expect(dataOf(history).webhookHistory.map((entry) => entry.type)).toContain('WebhookSecretRotated');
    for (const secret of [created.signingSecret, rotated.signingSecret]) {
      expect(JSON.stringify(history)).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('upserts one webhook per scope and keeps everything across a restart', async () => {
    const { client } = await hookgate.newTenant('upserter');
    const first = dataOf(await client(UpsertWebhookDocument, { input: { url: receiver('p/a'), filters: { productId: 'p1' } } }));
    const second = dataOf(await client(UpsertWebhookDocument, { input: { url: receiver('p/b'), filters: { productId: 'p1' } } }));
    const tenantLevel = dataOf(await client(UpsertWebhookDocument, { input: { url: receiver('t'), filters: { clouds: ['GCP'] } } }));
    expect(first.upsertWebhook.created).toBe(true);
    expect(tenantLevel.upsertWebhook.created).toBe(true);
    expect(second.upsertWebhook).toMatchObject({
      created: false,
      signingSecret: null,
      webhook: { id: first.upsertWebhook.webhook.id, url: receiver('p/b') },
    });
    // Versions are left out: an automatic test may record its result at any moment.
    const before = dataOf(await client(WebhooksDocument)).webhooks.edges.map(({ node }) => [node.id, node.url, node.createdAt]);

    await hookgate.restart();
    const after = dataOf(await client(WebhooksDocument)).webhooks.edges.map(({ node }) => [node.id, node.url, node.createdAt]);
    expect(after).toEqual(before);
    expect(after).toHaveLength(2);
  });
});
