// Seed 002 (organisation webhook configs): a config gets a generated signing secret; it is new until tested,
// then valid or invalid after an automatic test (on create and update) or an explicit one; an update may set the
// state only to new (re-test) or deactivated; the list hides deactivated configs unless asked for and filters
// by state and creation date; an organisation default config serves whatever has no config of its own.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWebhookDocument,
  PublishEventDocument,
  TestWebhookDocument,
  UpdateWebhookDocument,
  UpsertWebhookDocument,
  WebhookDocument,
  WebhookHistoryDocument,
  WebhookSigningSecretDocument,
  WebhooksDocument,
  type WebhookFilter,
} from '../generated/graphql.js';
import { replies } from '../support/receivers/receiver-replies.js';
import type { WebhookReceiver } from '../support/receivers/webhook-receiver.js';
import {
  deliveriesIn,
  finalDelivery,
  LOCAL_DELIVERY_ENV,
  receiverPool,
  testsIn,
  until,
  validWebhook,
  waitForState,
} from '../support/delivery-steps.js';
import { startRegistryServer, type RegistryServer, type TenantSession } from '../support/registry-server.js';
import { dataOf, errorOf } from '../support/typed-client.js';

const RECEIVER = 'https://www.mywebhook.receiver.invalid/webhooks/';
// The seed's configs take every event; hookgate asks for filters, and `*` is every event type.
const EVERY_EVENT = { eventTypes: ['*'] };

describe('seed 002: organisation webhook configs', () => {
  let hookgate: RegistryServer;
  let organisation: TenantSession;
  const receivers = receiverPool();

  const create = (url = RECEIVER, as = organisation) => as.client(CreateWebhookDocument, { input: { url, filters: EVERY_EVENT } });

  beforeAll(async () => {
    hookgate = await startRegistryServer(LOCAL_DELIVERY_ENV);
    organisation = await hookgate.newTenant('organisation');
  });
  afterAll(async () => {
    await hookgate?.stop();
    await receivers.closeAll();
  });

  /** The receiver's test events so far, each checked against the config's generated secret. */
  const verifiedTests = (receiver: WebhookReceiver, secret: string) =>
    testsIn(receiver.requests).map((request) => {
      expect(request).toMatchObject({ verified: true, verifiedWith: [secret] });
      return JSON.parse(request.body) as { type: string; data: unknown };
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

  it('runs a test on create and on update: a receiver answering 2xx makes the config VALID, a failing one INVALID', async () => {
    const tenant = await hookgate.newTenant('organisation-tested');
    const answering = await receivers.start();
    const failing = await receivers.start({ behaviour: replies.status(500) });

    const good = dataOf(await tenant.client(CreateWebhookDocument, { input: { url: answering.url, filters: EVERY_EVENT } })).createWebhook;
    answering.setSecrets([good.signingSecret]);
    await waitForState(tenant.client, good.webhook.id, 'VALID');
    const bad = dataOf(await tenant.client(CreateWebhookDocument, { input: { url: failing.url, filters: EVERY_EVENT } })).createWebhook;
    await waitForState(tenant.client, bad.webhook.id, 'INVALID');
    const { webhook: invalid } = dataOf(await tenant.client(WebhookDocument, { id: bad.webhook.id }));
    expect(invalid.lastTest).toMatchObject({ ok: false, statusCode: 500 });
    expect(testsIn(failing.requests)).toHaveLength(1);

    // Pointing the invalid config at a working receiver tests it again: NEW at once, VALID once the test passed.
    answering.setSecrets([good.signingSecret, bad.signingSecret]);
    const moved = dataOf(await tenant.client(UpdateWebhookDocument, { input: { id: bad.webhook.id, url: `${answering.origin}/moved` } }));
    expect(moved.updateWebhook.webhook.state).toBe('NEW');
    await waitForState(tenant.client, bad.webhook.id, 'VALID');
    expect(testsIn(answering.requests).map((r) => r.path)).toEqual(['/hooks', '/moved']);
    expect(testsIn(answering.requests).every((r) => r.verified)).toBe(true);
  });

  it('re-tests on request (testWebhook), setting VALID or INVALID; each signed test event verifies with the generated secret', async () => {
    const tenant = await hookgate.newTenant('organisation-retest');
    const receiver = await receivers.start();
    const { id, signingSecret } = await validWebhook(tenant.client, receiver, { filters: EVERY_EVENT });

    receiver.setBehaviour(replies.status(503));
    const failed = dataOf(await tenant.client(TestWebhookDocument, { input: { id } })).testWebhook;
    expect(failed.result).toMatchObject({ ok: false, statusCode: 503 });
    expect(failed.webhook.state).toBe('INVALID');

    receiver.setBehaviour(replies.ok());
    const passed = dataOf(await tenant.client(TestWebhookDocument, { input: { id } })).testWebhook;
    expect(passed.result).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(passed.webhook.state).toBe('VALID');
    expect(dataOf(await tenant.client(WebhookDocument, { id })).webhook.lastTest).toMatchObject({ ok: true, statusCode: 200 });

    // The automatic test and the two explicit ones: the same signed event type, each a distinct message.
    const tests = verifiedTests(receiver, signingSecret);
    expect(tests.map((t) => t.type)).toEqual(['webhook.test', 'webhook.test', 'webhook.test']);
    expect(new Set(testsIn(receiver.requests).map((r) => r.webhookId)).size).toBe(3);
  });

  it('sends an event for a product without its own config to the organisation default config', async () => {
    const tenant = await hookgate.newTenant('organisation-routing');
    const defaultReceiver = await receivers.start();
    const ownReceiver = await receivers.start();
    const byDefault = await validWebhook(tenant.client, defaultReceiver, { filters: EVERY_EVENT });
    const own = await validWebhook(tenant.client, ownReceiver, { filters: { productId: 'key-1', ...EVERY_EVENT } });

    const publish = async (productId: string) => {
      const { message, deliveries } = dataOf(
        await tenant.client(PublishEventDocument, { input: { type: 'device.backed-up', productId, payload: { key: productId } } }),
      ).publishEvent;
      for (const delivery of deliveries) await finalDelivery(tenant.client, delivery.id);
      return { messageId: message.id, to: deliveries.map((d) => d.webhookId) };
    };
    const forKey2 = await publish('key-2');
    const forKey1 = await publish('key-1');
    expect(forKey2.to).toEqual([byDefault.id]);
    expect(forKey1.to).toEqual([own.id]);
    await until(async () => deliveriesIn(defaultReceiver.requests).length === 1 && deliveriesIn(ownReceiver.requests).length === 1, 'both deliveries');
    expect(deliveriesIn(defaultReceiver.requests).map((r) => [r.webhookId, r.verified])).toEqual([[forKey2.messageId, true]]);
    expect(deliveriesIn(ownReceiver.requests).map((r) => [r.webhookId, r.verified])).toEqual([[forKey1.messageId, true]]);
  });
});
