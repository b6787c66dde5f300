// Seed 002 (organisation webhook configs): a config gets a generated signing secret; it is new until tested,
// then valid or invalid (the automatic and explicit tests come with the delivery work); an update may set the
// state only to new (re-test) or deactivated; the list hides deactivated configs unless asked for and filters
// by state and creation date; an organisation default config serves whatever has no config of its own.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWebhookDocument,
  UpdateWebhookDocument,
  UpsertWebhookDocument,
  WebhookDocument,
  WebhookHistoryDocument,
  WebhookSigningSecretDocument,
  WebhooksDocument,
  type WebhookFilter,
} from '../generated/graphql.js';
import { startRegistryServer, type RegistryServer, type TenantSession } from '../support/registry-server.js';
import { dataOf, errorOf } from '../support/typed-client.js';

const RECEIVER = 'https://www.mywebhook.receiver.invalid/webhooks/';
// The seed's configs take every event; hookgate asks for filters, and `*` is every event type.
const EVERY_EVENT = { eventTypes: ['*'] };

describe('seed 002: organisation webhook configs', () => {
  let hookgate: RegistryServer;
  let organisation: TenantSession;

  const create = (url = RECEIVER, as = organisation) => as.client(CreateWebhookDocument, { input: { url, filters: EVERY_EVENT } });

  beforeAll(async () => {
    hookgate = await startRegistryServer();
    organisation = await hookgate.newTenant('organisation');
  });
  afterAll(async () => {
    await hookgate?.stop();
  });

  it('generates a signing secret with the config, readable later by the organisation only, never in the history', async () => {
    const created = dataOf(await create()).createWebhook;
    expect(created.webhook).toMatchObject({ url: RECEIVER, state: 'NEW', filters: { eventTypes: ['*'] } });
    expect(created.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { id } = created.webhook;

    const read = dataOf(await organisation.client(WebhookSigningSecretDocument, { id })).webhook;
    expect(read).toEqual({ id, signingSecret: created.signingSecret });
    const stranger = await hookgate.newTenant('someone-else');
    expect(errorOf(await stranger.client(WebhookSigningSecretDocument, { id })).extensions?.code).toBe('NOT_FOUND');
    const history = await organisation.client(WebhookHistoryDocument, { id });
    expect(JSON.stringify(dataOf(history))).not.toContain(created.signingSecret.slice('whsec_'.length));
  });

  it('retrieves a config by id, and another one for each created', async () => {
    const first = dataOf(await create(`${RECEIVER}first`)).createWebhook;
    const second = dataOf(await create(`${RECEIVER}second`)).createWebhook;
    expect(first.webhook.id).not.toBe(second.webhook.id);
    expect(first.signingSecret).not.toBe(second.signingSecret);
    expect(dataOf(await organisation.client(WebhookDocument, { id: second.webhook.id })).webhook.url).toBe(`${RECEIVER}second`);
  });

  it('lets an update set the state only to NEW or DEACTIVATED, naming the field otherwise', async () => {
    const { id } = dataOf(await create()).createWebhook.webhook;
    const moved = dataOf(await organisation.client(UpdateWebhookDocument, { input: { id, url: 'https://www.myupdatedwebhook.receiver.invalid/webhooks/' } }));
    // A new url makes it NEW: it has to pass a test again.
    expect(moved.updateWebhook.webhook).toMatchObject({ url: 'https://www.myupdatedwebhook.receiver.invalid/webhooks/', state: 'NEW' });
    const retest = dataOf(await organisation.client(UpdateWebhookDocument, { input: { id, state: 'NEW' } }));
    expect(retest.updateWebhook.webhook.state).toBe('NEW');

    for (const state of ['VALID', 'INVALID'] as const) {
      const refused = await organisation.client(UpdateWebhookDocument, { input: { id, state } });
      expect(errorOf(refused).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.state' });
    }
    const retired = dataOf(await organisation.client(UpdateWebhookDocument, { input: { id, state: 'DEACTIVATED' } }));
    expect(retired.updateWebhook.webhook).toMatchObject({ state: 'DEACTIVATED', deactivatedBy: 'USER' });
    // Deactivated stays deactivated until reactivated; NEW does not bring it back.
    const back = await organisation.client(UpdateWebhookDocument, { input: { id, state: 'NEW' } });
    expect(errorOf(back).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.state' });
  });

  it('lists without deactivated configs unless asked for, and filters by state and creation date', async () => {
    const tenant = await hookgate.newTenant('organisation-with-history');
    const ids: string[] = [];
    const times: string[] = [];
    for (const name of ['old', 'middle', 'recent']) {
      const { webhook } = dataOf(await create(`${RECEIVER}${name}`, tenant)).createWebhook;
      ids.push(webhook.id);
      times.push(webhook.createdAt);
      await sleep(15); // distinct creation times
    }
    const [oldId, middleId, recentId] = ids as [string, string, string];
    await tenant.client(UpdateWebhookDocument, { input: { id: middleId, state: 'DEACTIVATED' } });

    const listed = async (filter?: WebhookFilter) =>
      dataOf(await tenant.client(WebhooksDocument, { ...(filter && { filter }) })).webhooks.edges.map(({ node }) => node.id);
    expect(await listed()).toEqual([oldId, recentId]);
    expect(await listed({ states: ['DEACTIVATED'] })).toEqual([middleId]);
    expect(await listed({ states: ['NEW', 'VALID', 'INVALID', 'DEACTIVATED'] })).toEqual([oldId, middleId, recentId]);
    expect(await listed({ states: ['NEW', 'VALID', 'INVALID'] })).toEqual([oldId, recentId]);
    // Creation date: strictly after / before the given moment.
    expect(await listed({ createdAfter: times[0] })).toEqual([recentId]);
    expect(await listed({ createdAfter: times[0], states: ['DEACTIVATED'] })).toEqual([middleId]);
    expect(await listed({ createdBefore: times[2], states: ['NEW', 'VALID', 'INVALID', 'DEACTIVATED'] })).toEqual([oldId, middleId]);
    expect(await listed({ createdAfter: times[0], createdBefore: times[2], states: ['DEACTIVATED', 'NEW', 'VALID', 'INVALID'] })).toEqual([middleId]);
  });

  it('keeps an organisation default config (tenant level) beside configs of its own for a product', async () => {
    const tenant = await hookgate.newTenant('organisation-with-default');
    const byDefault = dataOf(await tenant.client(UpsertWebhookDocument, { input: { url: `${RECEIVER}default`, filters: EVERY_EVENT } })).upsertWebhook;
    expect(byDefault).toMatchObject({ created: true, webhook: { scope: 'TENANT', productId: null } });
    const own = dataOf(await tenant.client(UpsertWebhookDocument, { input: { url: `${RECEIVER}key-1`, filters: { productId: 'key-1', ...EVERY_EVENT } } })).upsertWebhook;
    expect(own).toMatchObject({ created: true, webhook: { scope: 'PRODUCT', productId: 'key-1' } });
    // Upserting the default again changes that one config, not another.
    const replaced = dataOf(await tenant.client(UpsertWebhookDocument, { input: { url: `${RECEIVER}default-2`, filters: EVERY_EVENT } })).upsertWebhook;
    expect(replaced).toMatchObject({ created: false, webhook: { id: byDefault.webhook.id, url: `${RECEIVER}default-2` } });

    const defaults = dataOf(await tenant.client(WebhooksDocument, { filter: { tenantLevelOnly: true } })).webhooks;
    expect(defaults.edges.map(({ node }) => node.id)).toEqual([byDefault.webhook.id]);
  });

  it.todo('delivery: creating and updating a config runs a test — a receiver on 127.0.0.1 answering 2xx makes it VALID, a failing one INVALID');
  it.todo('delivery: testWebhook re-tests on request and sets VALID or INVALID; a signed test event verifies with the generated secret');
  it.todo('delivery: an event for a product without its own config goes to the organisation default config');
});
