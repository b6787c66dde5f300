import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWebhookDocument,
  DeliveriesDocument,
  DeactivateWebhookDocument,
  RotateWebhookSecretDocument,
  TenantDocument,
  UpdateTenantSettingsDocument,
  UpdateWebhookDocument,
  UpsertWebhookDocument,
  WebhookHistoryDocument,
  WebhooksDocument,
  type CreateWebhookInput,
  type UpdateWebhookInput,
  type WebhookState,
} from '../generated/graphql.js';
import type { GraphQLResponse } from '../support/graphql-client.js';
import { startRegistryServer, type RegistryServer, type TenantSession } from '../support/registry-server.js';
import { dataOf, errorOf } from '../support/typed-client.js';

const URL = 'https://receiver.invalid/hooks';
const VALID: CreateWebhookInput = { url: URL, filters: { clouds: ['AWS'] } };
const ALL_STATES: WebhookState[] = ['NEW', 'VALID', 'INVALID', 'DEACTIVATED'];
/** Values the generated types rightly refuse, sent anyway to see the server refuse them too. */
const untyped = <T>(value: unknown) => value as T;
const headers = (...names: string[]) => names.map((name) => ({ name, value: 'v' }));

type Operation = (tenant: TenantSession, existingId: string) => Promise<GraphQLResponse<unknown>>;

const create = (input: Partial<CreateWebhookInput> & Record<string, unknown>): Operation => (tenant) =>
  tenant.client(CreateWebhookDocument, { input: { ...VALID, ...input } as CreateWebhookInput });
const upsert = (input: Partial<CreateWebhookInput>): Operation => (tenant) =>
  tenant.client(UpsertWebhookDocument, { input: { ...VALID, ...input } });
const update = (changes: Omit<UpdateWebhookInput, 'id'>): Operation => (tenant, id) =>
  tenant.client(UpdateWebhookDocument, { input: { id, ...changes } });

// Every rule of the registry, each refused over HTTP as BAD_USER_INPUT naming the field.
const RULES: [rule: string, operation: Operation, field: string][] = [
  ['url: relative', create({ url: '/hooks' }), 'input.url'],
  ['url: empty', create({ url: '' }), 'input.url'],
  ['url: ftp', create({ url: 'ftp://receiver.invalid/hooks' }), 'input.url'],
  ['url: http when the deployment does not allow it', create({ url: 'http://receiver.invalid/hooks' }), 'input.url'],
  ['url: more than 2,048 characters', create({ url: `${URL}/${'a'.repeat(2048)}` }), 'input.url'],
  ['url: credentials in it', create({ url: 'https://user:pw@receiver.invalid/' }), 'input.url'],
  ['url: on update', update({ url: 'not a url' }), 'input.url'],

  ['headers: bad name', create({ headers: [{ name: 'X Bad', value: 'v' }] }), 'input.headers.X Bad'],
  ['headers: value with CR/LF', create({ headers: [{ name: 'X-Custom', value: 'a\r\nInjected: 1' }] }), 'input.headers.X-Custom'],
  ['headers: more than 20', create({ headers: headers(...Array.from({ length: 21 }, (_, i) => `X-H${i}`)) }), 'input.headers'],
  ['headers: webhook-signature is reserved', create({ headers: headers('Webhook-Signature') }), 'input.headers.Webhook-Signature'],
  ['headers: authorization is reserved', create({ headers: headers('Authorization') }), 'input.headers.Authorization'],
  ['headers: host is reserved', create({ headers: headers('host') }), 'input.headers.host'],
  ['headers: content-length is reserved', create({ headers: headers('Content-Length') }), 'input.headers.Content-Length'],
  ['headers: the same name twice', create({ headers: headers('X-A', 'x-a') }), 'input.headers.x-a'],
  ['headers: the API key auth header', update({ headers: headers('X-Api-Key') }), 'input.headers.X-Api-Key'],

  ['auth BASIC: password missing', create({ auth: { type: 'BASIC', username: 'u' } }), 'input.auth.password'],
  ['auth BASIC: username missing', create({ auth: { type: 'BASIC', password: 'p' } }), 'input.auth.username'],
  ['auth BASIC: a field of another type', create({ auth: { type: 'BASIC', username: 'u', password: 'p', apiKey: 'k' } }), 'input.auth.apiKey'],
  ['auth HEADER_API_KEY: key missing', create({ auth: { type: 'HEADER_API_KEY', headerName: 'X-Key' } }), 'input.auth.apiKey'],
  ['auth HEADER_API_KEY: header name missing', create({ auth: { type: 'HEADER_API_KEY', apiKey: 'k' } }), 'input.auth.headerName'],
  ['auth HEADER_API_KEY: reserved header name', create({ auth: { type: 'HEADER_API_KEY', headerName: 'Authorization', apiKey: 'k' } }), 'input.auth.headerName'],
  ['auth HEADER_API_KEY: a field of another type', create({ auth: { type: 'HEADER_API_KEY', headerName: 'X-Key', apiKey: 'k', password: 'p' } }), 'input.auth.password'],
  ['auth OAUTH2: client secret missing', create({ auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'c', tokenUrl: 'https://auth.invalid/t' } }), 'input.auth.clientSecret'],
  ['auth OAUTH2: token url missing', create({ auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'c', clientSecret: 's' } }), 'input.auth.tokenUrl'],
  ['auth OAUTH2: client id missing', create({ auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientSecret: 's', tokenUrl: 'https://auth.invalid/t' } }), 'input.auth.clientId'],
  ['auth OAUTH2: token url over http', create({ auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'c', clientSecret: 's', tokenUrl: 'http://auth.invalid/t' } }), 'input.auth.tokenUrl'],
  ['auth OAUTH2: a field of another type', create({ auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'c', clientSecret: 's', tokenUrl: 'https://auth.invalid/t', username: 'u' } }), 'input.auth.username'],
  ['auth NONE: a field of another type', create({ auth: { type: 'NONE', username: 'u' } }), 'input.auth.username'],
  ['auth: unknown type', create({ auth: untyped({ type: 'DIGEST' }) }), 'input.auth.type'],
  ['auth: on update', update({ auth: { type: 'BASIC', username: 'u' } }), 'input.auth.password'],

  ['filters: missing', create({ filters: untyped(undefined) }), 'input.filters'],
  ['filters: null', create({ filters: untyped(null) }), 'input.filters'],
  ['filters: empty object', create({ filters: {} }), 'input.filters'],
  ['filters: only empty lists', create({ filters: { clouds: [], eventTypes: [] } }), 'input.filters'],
  ['filters: blank product id', create({ filters: { productId: '  ' } }), 'input.filters'],
  ['filters: unknown cloud', create({ filters: { clouds: untyped(['AWS', 'MARS']) } }), 'input.filters.clouds.1'],
  ['filters: a cloud twice', create({ filters: { clouds: ['GCP', 'GCP'] } }), 'input.filters.clouds.1'],
  ['filters: bad event type pattern', create({ filters: { eventTypes: ['order.*.created'] } }), 'input.filters.eventTypes.0'],
  ['filters: event type with a space', create({ filters: { eventTypes: ['order.created', 'order created'] } }), 'input.filters.eventTypes.1'],
  ['filters: empty on upsert', upsert({ filters: {} }), 'input.filters'],
  ['filters: moving a webhook to another product', update({ filters: { productId: 'other-product' } }), 'input.filters.productId'],

  ['state: update may not set VALID', update({ state: 'VALID' }), 'input.state'],
  ['state: update may not set INVALID', update({ state: 'INVALID' }), 'input.state'],
  ['state: NEW does not bring back a deactivated webhook', update({ state: 'NEW' }), 'input.state'],

  ['deactivate: reason too long', (t, id) => t.client(DeactivateWebhookDocument, { input: { id, reason: 'r'.repeat(1001) } }), 'input.reason'],
  ['rotate: negative overlap', (t, id) => t.client(RotateWebhookSecretDocument, { input: { id, overlapSeconds: -1 } }), 'input.overlapSeconds'],
  ['webhooks: a cursor this API did not hand out', (t) => t.client(WebhooksDocument, { after: 'bm90LWEtY3Vyc29y' }), 'after'],
  ['deliveries: a cursor this API did not hand out', (t) => t.client(DeliveriesDocument, { after: 'garbage' }), 'after'],
  ['tenant settings: bad event type pattern', (t) => t.client(UpdateTenantSettingsDocument, { input: { disabledEventTypes: ['private offer'] } }), 'input.disabledEventTypes.0'],
];

describe('every registry rule refused over HTTP, naming the field, changing nothing (real server)', () => {
  let hookgate: RegistryServer;
  let tenant: TenantSession;
  let existingId: string;
  let existingVersion: number;

  /** All the tenant's webhooks in every state, the existing one's history and the tenant's settings. */
  async function snapshot() {
    const [list, history, settings] = await Promise.all([
      tenant.client(WebhooksDocument, { first: 100, filter: { states: ALL_STATES } }),
      tenant.client(WebhookHistoryDocument, { id: existingId }),
      tenant.client(TenantDocument),
    ]);
    return { list: dataOf(list), history: dataOf(history), tenant: dataOf(settings) };
  }

  beforeAll(async () => {
    // Plain http is not allowed here, so that its refusal can be seen.
    hookgate = await startRegistryServer({ HOOKGATE_ALLOW_HTTP: 'false' });
    tenant = await hookgate.newTenant('validation');
    const created = await tenant.client(CreateWebhookDocument, {
      input: {
        url: URL,
        filters: { productId: 'product-1' },
        auth: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: 'key-value' },
        headers: headers('X-Custom'),
      },
    });
    existingId = dataOf(created).createWebhook.webhook.id;
    // Deactivated, so that nothing (such as an automatic test) appends to it while the rules are checked.
    const deactivated = await tenant.client(DeactivateWebhookDocument, { input: { id: existingId } });
    existingVersion = dataOf(deactivated).deactivateWebhook.webhook.version;
  });
  afterAll(async () => {
    await hookgate?.stop();
  });

  it.each(RULES)('%s', async (_rule, operation, field) => {
    const before = await snapshot();
    const result = await operation(tenant, existingId);
    expect(result.data ?? null).toBeNull();
    const error = errorOf(result);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(error.message).toContain(field);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a stale expectedVersion with CONFLICT and changes nothing', async () => {
    const before = await snapshot();
    const stale = await tenant.client(UpdateWebhookDocument, {
      input: { id: existingId, description: 'changed', expectedVersion: existingVersion - 1 },
    });
    expect(errorOf(stale).extensions).toMatchObject({ code: 'CONFLICT', actualVersion: existingVersion });
    expect(await snapshot()).toEqual(before);
    // The current version is accepted.
    const current = await tenant.client(UpdateWebhookDocument, {
      input: { id: existingId, description: 'changed', expectedVersion: existingVersion },
    });
    expect(dataOf(current).updateWebhook.webhook).toMatchObject({ description: 'changed', version: existingVersion + 1 });
  });

  it('claims no scope with a refused upsert: the next valid one creates the webhook', async () => {
    const productId = 'upsert-scope';
    expect(errorOf(await tenant.client(UpsertWebhookDocument, { input: { url: '/relative', filters: { productId } } })).extensions?.field).toBe('input.url');
    const valid = await tenant.client(UpsertWebhookDocument, { input: { url: URL, filters: { productId } } });
    expect(dataOf(valid).upsertWebhook).toMatchObject({ created: true, webhook: { productId } });
  });
});
