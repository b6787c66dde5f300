// Seed 004 (platform notification webhooks): a client registers a target URL with basic, client-credentials or
// no auth; the registration record holds its id, created and updated times, the non-secret parts of its auth and
// a status (active or deactivated); it can be deactivated. The client is notified when a purchase completes,
// instead of polling for it, with the auth it registered.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWebhookDocument,
  DeactivateWebhookDocument,
  PublishEventDocument,
  WebhookDocument,
  WebhooksDocument,
  type WebhookAuthInput,
} from '../generated/graphql.js';
import { deliveriesIn, finalDelivery, LOCAL_DELIVERY_ENV, receiverPool, validWebhook } from '../support/delivery-steps.js';
import { startTokenEndpoint } from '../support/receivers/oauth2-token-endpoint.js';
import { startRegistryServer, type RegistryServer, type TenantSession } from '../support/registry-server.js';
import { dataOf } from '../support/typed-client.js';

const TARGET = 'https://example.receiver.invalid/notify';
// What the seed's clients wait for: a purchase whose delivery completed.
const PURCHASE_COMPLETED = { eventTypes: ['purchase.completed'] };

describe('seed 004: platform notification webhooks', () => {
  let hookgate: RegistryServer;
  let client: TenantSession;
  const receivers = receiverPool();

  const register = (auth: WebhookAuthInput) => client.client(CreateWebhookDocument, { input: { url: TARGET, filters: PURCHASE_COMPLETED, auth } });

  beforeAll(async () => {
    hookgate = await startRegistryServer(LOCAL_DELIVERY_ENV);
    client = await hookgate.newTenant('catalog-buyer');
  });
  afterAll(async () => {
    await hookgate?.stop();
    await receivers.closeAll();
  });

  /** What the platform does when a purchase's delivery completes; answers the message id and where it went. */
  async function purchaseCompleted(tenant: TenantSession, purchaseId: string) {
    const { message, deliveries } = dataOf(
      await tenant.client(PublishEventDocument, { input: { type: 'purchase.completed', payload: { purchaseId, status: 'COMPLETED' } } }),
    ).publishEvent;
    for (const delivery of deliveries) expect(await finalDelivery(tenant.client, delivery.id)).toMatchObject({ status: 'SUCCEEDED' });
    return { messageId: message.id, webhookIds: deliveries.map((d) => d.webhookId) };
  }

  it.each<[string, WebhookAuthInput, Record<string, unknown>, string | null]>([
    ['basic', { type: 'BASIC', username: 'USERNAME', password: 'PASSWORD-secret' }, { type: 'BASIC', username: 'USERNAME' }, 'PASSWORD-secret'],
    [
      'client credentials',
      { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'client-id', clientSecret: 'client-secret-value', tokenUrl: 'https://auth.receiver.invalid/token' },
      { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'client-id', tokenUrl: 'https://auth.receiver.invalid/token' },
      'client-secret-value',
    ],
    ['no auth', { type: 'NONE' }, { type: 'NONE', username: null, clientId: null }, null],
  ])('registers a target URL with %s auth; the record holds id, times, the non-secret auth and its status', async (_name, auth, shown, secret) => {
    const answer = await register(auth);
    const record = dataOf(answer).createWebhook.webhook;
    expect(record).toMatchObject({ url: TARGET, auth: shown, state: 'NEW' });
    expect(record.id).toMatch(/\S/);
    expect(Number.isNaN(Date.parse(record.createdAt))).toBe(false);
    expect(record.updatedAt).toBe(record.createdAt);
    if (secret) expect(JSON.stringify(answer)).not.toContain(secret);

    const again = await client.client(WebhookDocument, { id: record.id });
    expect(dataOf(again).webhook).toMatchObject({ id: record.id, url: TARGET, auth: shown, createdAt: record.createdAt });
    if (secret) expect(JSON.stringify(again)).not.toContain(secret);
  });

  it('deactivates a registration: the record says so, with a later update time, and stays readable', async () => {
    const record = dataOf(await register({ type: 'BASIC', username: 'USERNAME', password: 'PASSWORD' })).createWebhook.webhook;
    await sleep(15);
    const deactivated = dataOf(await client.client(DeactivateWebhookDocument, { input: { id: record.id } })).deactivateWebhook.webhook;
    expect(deactivated).toMatchObject({ id: record.id, state: 'DEACTIVATED', deactivatedBy: 'USER', createdAt: record.createdAt });
    expect(Date.parse(deactivated.updatedAt)).toBeGreaterThan(Date.parse(record.createdAt));

    expect(dataOf(await client.client(WebhookDocument, { id: record.id })).webhook.state).toBe('DEACTIVATED');
    const active = dataOf(await client.client(WebhooksDocument, { first: 100 })).webhooks.edges.map(({ node }) => node.id);
    expect(active).not.toContain(record.id);
    const inactive = dataOf(await client.client(WebhooksDocument, { filter: { states: ['DEACTIVATED'] } })).webhooks;
    expect(inactive.edges.map(({ node }) => node.id)).toEqual([record.id]);
  });

  it('notifies each registered receiver of a completed purchase with its auth: basic, a client-credentials bearer token, none', async () => {
    const buyer = await hookgate.newTenant('buyer-notified');
    const tokens = await startTokenEndpoint({ clientId: 'client-id', clientSecret: 'client-secret-value' });
    try {
      const basic = await receivers.start({ auth: { type: 'basic', username: 'USERNAME', password: 'PASSWORD' } });
      const bearer = await receivers.start({ auth: { type: 'bearer', accepts: (token) => tokens.isValid(token) } });
      const open = await receivers.start();
      const registered = [
        await validWebhook(buyer.client, basic, { filters: PURCHASE_COMPLETED, auth: { type: 'BASIC', username: 'USERNAME', password: 'PASSWORD' } }),
        await validWebhook(buyer.client, bearer, {
          filters: PURCHASE_COMPLETED,
          auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'client-id', clientSecret: 'client-secret-value', tokenUrl: tokens.url },
        }),
        await validWebhook(buyer.client, open, { filters: PURCHASE_COMPLETED, auth: { type: 'NONE' } }),
      ];

      const notified = await purchaseCompleted(buyer, 'purchase-1');
      expect(notified.webhookIds.sort()).toEqual(registered.map((r) => r.id).sort());
      for (const receiver of [basic, bearer, open]) {
        const [notification, ...more] = deliveriesIn(receiver.requests);
        expect(more).toEqual([]);
        expect(notification).toMatchObject({ verified: true, authorized: true, webhookId: notified.messageId });
        expect(JSON.parse(notification!.body)).toMatchObject({ type: 'purchase.completed', data: { purchaseId: 'purchase-1', status: 'COMPLETED' } });
      }
      expect(deliveriesIn(basic.requests)[0]!.headers.authorization).toBe(`Basic ${Buffer.from('USERNAME:PASSWORD').toString('base64')}`);
      expect(deliveriesIn(open.requests)[0]!.headers.authorization).toBeUndefined();
      expect(tokens.requests.length).toBeGreaterThanOrEqual(1);
      expect(tokens.requests.every((r) => r.authenticated && r.grantType === 'client_credentials')).toBe(true);
    } finally {
      await tokens.close();
    }
  });

  it('sends nothing to a deactivated registration', async () => {
    const buyer = await hookgate.newTenant('buyer-deactivated');
    const stays = await receivers.start();
    const leaves = await receivers.start();
    const active = await validWebhook(buyer.client, stays, { filters: PURCHASE_COMPLETED });
    const retired = await validWebhook(buyer.client, leaves, { filters: PURCHASE_COMPLETED });
    dataOf(await buyer.client(DeactivateWebhookDocument, { input: { id: retired.id } }));

    const notified = await purchaseCompleted(buyer, 'purchase-2');
    expect(notified.webhookIds).toEqual([active.id]);
    expect(deliveriesIn(stays.requests)).toHaveLength(1);
    expect(deliveriesIn(leaves.requests)).toEqual([]);
  });
});
