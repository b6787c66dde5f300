// Seed 001 (card-program webhooks): a program manager registers webhooks with its code, a product id, event
// codes, a status, a url and custom headers; lists its webhooks; reads one's details with created and
// last-modified times; and pings it for a heartbeat (healthy/unhealthy): whether its url is reachable.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWebhookDocument,
  DeactivateWebhookDocument,
  PublishEventDocument,
  TenantDocument,
  TestWebhookDocument,
  UpdateWebhookDocument,
  WebhookDocument,
  WebhookHealthDocument,
  WebhooksDocument,
} from '../generated/graphql.js';
import {
  closedPort,
  deliveriesIn,
  finalDelivery,
  LOCAL_DELIVERY_ENV,
  receiverPool,
  validWebhook,
  waitForState,
} from '../support/delivery-steps.js';
import { startRegistryServer, type RegistryServer, type TenantSession } from '../support/registry-server.js';
import { dataOf, errorOf } from '../support/typed-client.js';

const CLIENT_URL = 'https://client-domain.receiver.invalid/webhook';
const CUSTOM_HEADERS = [
  { name: 'header1', value: 'value_1' },
  { name: 'header2', value: 'value_2' },
];

describe('seed 001: card-program webhooks', () => {
  let hookgate: RegistryServer;
  // The program manager code is the tenant: its API key stands for "TRD" in every call.
  let programManager: TenantSession;
  const receivers = receiverPool();

  beforeAll(async () => {
    hookgate = await startRegistryServer(LOCAL_DELIVERY_ENV);
    programManager = await hookgate.newTenant('TRD');
  });
  afterAll(async () => {
    await hookgate?.stop();
    await receivers.closeAll();
  });

  const heartbeat = async (tenant: TenantSession, id: string) => dataOf(await tenant.client(WebhookHealthDocument, { id })).webhook.health;

  it('creates a webhook with the program manager, product id, event codes, url and custom headers', async () => {
    const before = Date.now();
    const answer = await programManager.client(CreateWebhookDocument, {
      input: { url: CLIENT_URL, filters: { productId: '12345', eventTypes: ['101'] }, headers: CUSTOM_HEADERS },
    });
    const { webhook } = dataOf(answer).createWebhook;
    expect(webhook).toMatchObject({
      url: CLIENT_URL,
      productId: '12345',
      scope: 'PRODUCT',
      filters: { productId: '12345', eventTypes: ['101'] },
      headers: CUSTOM_HEADERS,
      // "active": registered and not deactivated; NEW until its first test.
      state: 'NEW',
    });
    expect(webhook.id).toMatch(/\S/);
    expect(Date.parse(webhook.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
    expect(webhook.updatedAt).toBe(webhook.createdAt);
    expect(dataOf(await programManager.client(TenantDocument)).tenant).toMatchObject({ id: programManager.id, name: 'TRD' });
  });

  it("lists the program manager's webhooks, and only theirs", async () => {
    const tenant = await hookgate.newTenant('PM2');
    const other = await hookgate.newTenant('PM3');
    const ids: string[] = [];
    for (const events of [['101'], ['101', '102']]) {
      const created = await tenant.client(CreateWebhookDocument, {
        input: { url: CLIENT_URL, filters: { productId: '12345', eventTypes: events }, headers: CUSTOM_HEADERS },
      });
      ids.push(dataOf(created).createWebhook.webhook.id);
    }
    await other.client(CreateWebhookDocument, { input: { url: CLIENT_URL, filters: { productId: '999' } } });

    const listed = dataOf(await tenant.client(WebhooksDocument, { first: 50 })).webhooks;
    expect(listed.totalCount).toBe(2);
    expect(listed.edges.map(({ node }) => node.id)).toEqual(ids);
    expect(listed.edges.map(({ node }) => node.filters.eventTypes)).toEqual([['101'], ['101', '102']]);
    for (const { node } of listed.edges) {
      expect(node).toMatchObject({ productId: '12345', url: CLIENT_URL, headers: CUSTOM_HEADERS });
      expect(node.createdAt).toEqual(expect.any(String));
      expect(node.updatedAt).toEqual(expect.any(String));
    }
    expect(errorOf(await other.client(WebhookDocument, { id: ids[0]! })).extensions?.code).toBe('NOT_FOUND');
  });

  it('shows the details of one webhook with its created and last-modified times', async () => {
    const created = dataOf(
      await programManager.client(CreateWebhookDocument, { input: { url: CLIENT_URL, filters: { productId: '123', eventTypes: [] } } }),
    ).createWebhook.webhook;
    await sleep(20); // so that the modification is visibly later
    const modified = dataOf(
      await programManager.client(UpdateWebhookDocument, {
        input: { id: created.id, filters: { eventTypes: ['101', '102'] }, headers: [{ name: 'header1', value: 'value_3' }] },
      }),
    ).updateWebhook.webhook;
    expect(Date.parse(modified.updatedAt)).toBeGreaterThan(Date.parse(created.createdAt));

    const details = dataOf(await programManager.client(WebhookDocument, { id: created.id })).webhook;
    expect(details).toMatchObject({
      id: created.id,
      productId: '123',
      filters: { eventTypes: ['101', '102'] },
      headers: [{ name: 'header1', value: 'value_3' }],
      createdAt: created.createdAt,
    });
    expect(Date.parse(details.updatedAt)).toBeGreaterThanOrEqual(Date.parse(modified.updatedAt));
  });

  it('turns a webhook off: its status is DEACTIVATED and the list leaves it out', async () => {
    const tenant = await hookgate.newTenant('PM4');
    const { id } = dataOf(await tenant.client(CreateWebhookDocument, { input: { url: CLIENT_URL, filters: { productId: '1' } } })).createWebhook.webhook;
    const off = dataOf(await tenant.client(DeactivateWebhookDocument, { input: { id } })).deactivateWebhook.webhook;
    expect(off.state).toBe('DEACTIVATED');
    expect(dataOf(await tenant.client(WebhooksDocument)).webhooks.totalCount).toBe(0);
    expect(dataOf(await tenant.client(WebhookDocument, { id })).webhook.state).toBe('DEACTIVATED');
  });

  it('heartbeat: a reachable receiver reports healthy, a closed port unhealthy, and a ping tells when one stops answering', async () => {
    const tenant = await hookgate.newTenant('PM-heartbeat');
    const reachable = await receivers.start();
    const up = await validWebhook(tenant.client, reachable, { filters: { productId: '12345', eventTypes: ['101'] } });
    expect(await heartbeat(tenant, up.id)).toMatchObject({ status: 'HEALTHY', lastSuccessAt: expect.any(String), lastFailureAt: null });

    const down = dataOf(
      await tenant.client(CreateWebhookDocument, { input: { url: `http://127.0.0.1:${await closedPort()}/webhook`, filters: { productId: '777' } } }),
    ).createWebhook.webhook;
    await waitForState(tenant.client, down.id, 'INVALID');
    expect(await heartbeat(tenant, down.id)).toMatchObject({ status: 'UNHEALTHY', lastSuccessAt: null, lastFailureAt: expect.any(String) });

    // The ping: test the url now. The receiver going away turns a healthy webhook unhealthy.
    await reachable.close();
    const pinged = dataOf(await tenant.client(TestWebhookDocument, { input: { id: up.id } })).testWebhook;
    expect(pinged.result).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/refused|ECONNREFUSED/i) });
    expect(pinged.webhook).toMatchObject({ state: 'INVALID', health: { status: 'UNHEALTHY' } });
    expect(await heartbeat(tenant, up.id)).toMatchObject({ status: 'UNHEALTHY' });
  });

  it('delivers an event with code 101 of product 12345 to the webhook, signed, with its custom headers', async () => {
    const tenant = await hookgate.newTenant('PM-delivery');
    const receiver = await receivers.start();
    const webhook = await validWebhook(tenant.client, receiver, {
      filters: { productId: '12345', eventTypes: ['101'] },
      headers: CUSTOM_HEADERS,
    });
    const publish = async (type: string) =>
      dataOf(await tenant.client(PublishEventDocument, { input: { type, productId: '12345', payload: { cardId: 'c-1', event: type } } })).publishEvent;

    const event101 = await publish('101');
    expect(event101.deliveries.map((d) => d.webhookId)).toEqual([webhook.id]);
    expect(await finalDelivery(tenant.client, event101.deliveries[0]!.id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 1 });
    // Code 102 is not among the webhook's event codes.
    expect((await publish('102')).deliveries).toEqual([]);

    const [received] = deliveriesIn(receiver.requests);
    expect(deliveriesIn(receiver.requests)).toHaveLength(1);
    expect(received).toMatchObject({ verified: true, webhookId: event101.message.id });
    expect(received!.headers).toMatchObject({ header1: 'value_1', header2: 'value_2' });
    expect(JSON.parse(received!.body)).toEqual({ type: '101', timestamp: event101.message.publishedAt, data: { cardId: 'c-1', event: '101' } });
  });
});
