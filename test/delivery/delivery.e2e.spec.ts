import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/graphql-client.js';
import { startTokenEndpoint } from '../support/receivers/oauth2-token-endpoint.js';
import { replies, sequence } from '../support/receivers/receiver-replies.js';
import { startReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/receivers/webhook-receiver.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { signingSecret webhook { id state } } }`;
const PUBLISH = `mutation($input: PublishEventInput!) {
  publishEvent(input: $input) { replayed message { id type publishedAt } deliveries { id webhookId status } }
}`;
const DELIVERY = `query($id: ID!) { delivery(id: $id) {
  id status attemptCount failureReason failureDetail messageId webhookId
  attempts { attempt statusCode error errorKind responseExcerpt nextAttemptAt }
} }`;
const WEBHOOK = `query($id: ID!) { webhook(id: $id) {
  id state version deactivatedBy deactivationReason lastTest { ok statusCode error }
  health { status successRate lastSuccessAt lastFailureAt attemptsInWindow }
} }`;

type Client = ReturnType<typeof graphqlClient>;

/** Requests that are deliveries, not the automatic `webhook.test`. */
const deliveriesIn = (requests: ReceivedRequest[]) => requests.filter((r) => !r.body.includes('"type":"webhook.test"'));

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('delivery over GraphQL (real server, real receivers on 127.0.0.1)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-delivery-e2e-'));
  const receivers: WebhookReceiver[] = [];
  let server: ServerProcess;
  let admin: Client;

  async function receiver(options: Parameters<typeof startReceiver>[0] = {}) {
    const started = await startReceiver(options);
    receivers.push(started);
    return started;
  }

  async function newTenant(name: string): Promise<Client> {
    const result = await admin(`mutation($n: String!) { createTenant(input: { name: $n }) { apiKey } }`, { n: name });
    expect(result.errors).toBeUndefined();
    return graphqlClient(server.url, result.data!.createTenant.apiKey as string);
  }

  /** Creates a webhook, gives its secret to the receiver and waits for the automatic test to pass. */
  async function validWebhook(client: Client, target: WebhookReceiver, input: Record<string, unknown>) {
    const created = await client(CREATE, { input: { url: target.url, ...input } });
    expect(created.errors).toBeUndefined();
    const { webhook, signingSecret } = created.data!.createWebhook;
    target.setSecrets([signingSecret]);
    await until(async () => (await client(WEBHOOK, { id: webhook.id })).data?.webhook.state === 'VALID', 'the automatic test');
    return webhook.id as string;
  }

  const deliveryOf = async (client: Client, id: string) => (await client(DELIVERY, { id })).data!.delivery;
  const finalDelivery = (client: Client, id: string) =>
    until(async () => {
      const delivery = await deliveryOf(client, id);
      return delivery.status !== 'PENDING' && delivery;
    }, `delivery ${id} to finish`);

  beforeAll(async () => {
    server = await startServerProcess({
      HOOKGATE_DATA_DIR: dataDir,
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_HTTP: 'true',
      HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
      HOOKGATE_RETRY_SCHEDULE: '0,200ms,400ms',
      HOOKGATE_DELIVERY_TIMEOUT_MS: '2000',
    });
    admin = graphqlClient(server.url, ADMIN_TOKEN);
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.all(receivers.map((r) => r.close()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tests a new webhook automatically, then delivers a published event that the receiver verifies', async () => {
    const client = await newTenant('happy');
    const target = await receiver();
    const webhookId = await validWebhook(client, target, { filters: { eventTypes: ['order.*'] } });
    expect(target.requests[0]!.body).toContain('"type":"webhook.test"');

    const published = await client(PUBLISH, { input: { type: 'order.created', payload: { orderId: 42 } } });
    expect(published.errors).toBeUndefined();
    const { message, deliveries } = published.data!.publishEvent;
    expect(deliveries).toEqual([{ id: expect.any(String), webhookId, status: 'PENDING' }]);

    const done = await finalDelivery(client, deliveries[0].id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attemptCount: 1, messageId: message.id, attempts: [{ attempt: 1, statusCode: 200 }] });
    const [received] = deliveriesIn(target.requests);
    expect(received).toMatchObject({ verified: true, webhookId: message.id, method: 'POST' });
    expect(JSON.parse(received!.body)).toEqual({ type: 'order.created', timestamp: message.publishedAt, data: { orderId: 42 } });

    const health = (await client(WEBHOOK, { id: webhookId })).data!.webhook.health;
    expect(health).toMatchObject({ status: 'HEALTHY', successRate: 1, attemptsInWindow: 1 });
  });

  it('authenticates with each auth type: basic, API key header, OAuth2 client credentials', async () => {
    const client = await newTenant('auth');
    const tokens = await startTokenEndpoint({ clientId: 'hookgate', clientSecret: 'client-secret-1' });
    try {
      const basic = await receiver({ auth: { type: 'basic', username: 'vendor', password: 'pa55word' } });
      const apiKey = await receiver({ auth: { type: 'apiKey', headerName: 'X-Api-Key', apiKey: 'key-123' } });
      const bearer = await receiver({ auth: { type: 'bearer', accepts: (token) => tokens.isValid(token) } });
      await validWebhook(client, basic, { filters: { productId: 'basic' }, auth: { type: 'BASIC', username: 'vendor', password: 'pa55word' } });
      await validWebhook(client, apiKey, {
        filters: { productId: 'api-key' },
        auth: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: 'key-123' },
      });
      await validWebhook(client, bearer, {
        filters: { productId: 'oauth' },
        auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'hookgate', clientSecret: 'client-secret-1', tokenUrl: tokens.url },
        headers: [{ name: 'X-Team', value: 'billing' }],
      });
      for (const [productId, target] of [['basic', basic], ['api-key', apiKey], ['oauth', bearer]] as const) {
        const published = await client(PUBLISH, { input: { type: 'invoice.paid', payload: { productId }, productId } });
        const [delivery] = published.data!.publishEvent.deliveries;
        expect(await finalDelivery(client, delivery.id)).toMatchObject({ status: 'SUCCEEDED' });
        const [received] = deliveriesIn(target.requests);
        expect(received).toMatchObject({ verified: true, authorized: true });
      }
      expect(deliveriesIn(bearer.requests)[0]!.headers['x-team']).toBe('billing');
      expect(tokens.requests.every((r) => r.authenticated && r.grantType === 'client_credentials')).toBe(true);
    } finally {
      await tokens.close();
    }
  });

  it('retries a failing receiver on the schedule, fails the delivery, and redelivers it with the same webhook-id', async () => {
    const client = await newTenant('retries');
    const target = await receiver();
    const webhookId = await validWebhook(client, target, { filters: { eventTypes: ['*'] } });
    target.setBehaviour(replies.status(500));
    const published = await client(PUBLISH, { input: { type: 'order.created', payload: {} } });
    const [delivery] = published.data!.publishEvent.deliveries;

    const failed = await finalDelivery(client, delivery.id);
    expect(failed).toMatchObject({ status: 'FAILED', attemptCount: 3, failureReason: 'RETRIES_EXHAUSTED' });
    expect(failed.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 500]);
    expect(failed.attempts[2].nextAttemptAt).toBeNull();
    const tried = deliveriesIn(target.requests);
    expect(tried).toHaveLength(3);
    expect(new Set(tried.map((r) => r.webhookId))).toEqual(new Set([published.data!.publishEvent.message.id]));
    expect(tried[1]!.receivedAt - tried[0]!.receivedAt).toBeGreaterThanOrEqual(160);
    expect(tried[2]!.receivedAt - tried[1]!.receivedAt).toBeGreaterThanOrEqual(320);

    target.setBehaviour(replies.ok());
    const redelivered = await client(`mutation($id: ID!) { redeliver(input: { deliveryId: $id }) { delivery { status } } }`, {
      id: delivery.id,
    });
    expect(redelivered.data!.redeliver.delivery.status).toBe('PENDING');
    expect(await finalDelivery(client, delivery.id)).toMatchObject({ status: 'SUCCEEDED', attemptCount: 4 });
    expect(deliveriesIn(target.requests)[3]!.webhookId).toBe(published.data!.publishEvent.message.id);

    // A pending or succeeded delivery is not "failed": redeliverFailed sends only FAILED ones.
    target.setBehaviour(replies.status(503));
    const second = await client(PUBLISH, { input: { type: 'order.created', payload: { n: 2 } } });
    await finalDelivery(client, second.data!.publishEvent.deliveries[0].id);
    target.setBehaviour(replies.ok());
    const again = await client(
      `mutation($w: ID!, $since: DateTime!) { redeliverFailed(input: { webhookId: $w, since: $since }) { count } }`,
      { w: webhookId, since: new Date(Date.now() - 60_000).toISOString() },
    );
    expect(again.data!.redeliverFailed.count).toBe(1);
    expect(await finalDelivery(client, second.data!.publishEvent.deliveries[0].id)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('deactivates a webhook whose receiver answers 410 Gone', async () => {
    const client = await newTenant('gone');
    const target = await receiver();
    const webhookId = await validWebhook(client, target, { filters: { clouds: ['AWS'] } });
    target.setBehaviour(sequence(replies.gone()));
    const published = await client(PUBLISH, { input: { type: 'user.deleted', payload: {}, cloud: 'AWS' } });
    const [delivery] = published.data!.publishEvent.deliveries;
    expect(await finalDelivery(client, delivery.id)).toMatchObject({ status: 'FAILED', failureReason: 'GONE', attemptCount: 1 });
    const webhook = await until(async () => {
      const w = (await client(WEBHOOK, { id: webhookId })).data!.webhook;
      return w.state === 'DEACTIVATED' && w;
    }, 'deactivation');
    expect(webhook).toMatchObject({ deactivatedBy: 'GONE' });
    // Deactivated webhooks receive nothing more.
    const after = await client(PUBLISH, { input: { type: 'user.deleted', payload: {}, cloud: 'AWS' } });
    expect(after.data!.publishEvent.deliveries).toEqual([]);
  });

  it('publishes an idempotency key once within 24 h', async () => {
    const client = await newTenant('idempotent');
    const target = await receiver();
    await validWebhook(client, target, { filters: { eventTypes: ['payment.*'] } });
    const input = { type: 'payment.captured', payload: { amount: 10 }, idempotencyKey: 'capture-1' };
    const [first, second] = await Promise.all([client(PUBLISH, { input }), client(PUBLISH, { input })]);
    const answers = [first.data!.publishEvent, second.data!.publishEvent];
    expect(answers[0].message.id).toBe(answers[1].message.id);
    expect(answers.map((a) => a.replayed).sort()).toEqual([false, true]);
    expect(answers[0].deliveries).toEqual(answers[1].deliveries.map((d: { status: string }) => ({ ...d, status: expect.any(String) })));
    await finalDelivery(client, answers[0].deliveries[0].id);
    const third = await client(PUBLISH, { input });
    expect(third.data!.publishEvent).toMatchObject({ replayed: true, message: { id: answers[0].message.id } });
    const other = await client(PUBLISH, { input: { ...input, idempotencyKey: 'capture-2' } });
    expect(other.data!.publishEvent.message.id).not.toBe(answers[0].message.id);
    await finalDelivery(client, other.data!.publishEvent.deliveries[0].id);
    expect(deliveriesIn(target.requests)).toHaveLength(2);
  });

  it('resolves who would receive an event: product-level wins, tenant-level fallback, clouds, patterns, tenant-disabled types', async () => {
    const client = await newTenant('routing');
    const target = await receiver();
    const product = await validWebhook(client, target, { filters: { productId: 'p1' } });
    const productInvoices = await validWebhook(client, target, { filters: { productId: 'p2', eventTypes: ['invoice.*'] } });
    const tenantAws = await validWebhook(client, target, { filters: { clouds: ['AWS'] } });
    const tenantOrders = await validWebhook(client, target, { filters: { eventTypes: ['order.*'] } });
    const RESOLVE = `query($p: String, $t: String!, $c: Cloud) { resolveWebhooks(productId: $p, eventType: $t, cloud: $c) { id } }`;
    const resolve = async (p: string | null, t: string, c: string | null = null) =>
      ((await client(RESOLVE, { p, t, c })).data!.resolveWebhooks as { id: string }[]).map((w) => w.id).sort();

    expect(await resolve('p1', 'order.created', 'AWS')).toEqual([product]);
    expect(await resolve('p2', 'invoice.paid')).toEqual([productInvoices]);
    expect(await resolve('p2', 'order.created', 'AWS')).toEqual([tenantAws, tenantOrders].sort());
    expect(await resolve(null, 'order.created', 'GCP')).toEqual([tenantOrders]);
    expect(await resolve(null, 'user.created', 'AWS')).toEqual([tenantAws]);
    expect(await resolve(null, 'user.created', 'GCP')).toEqual([]);

    const switchedOff = await client(`mutation { updateTenantSettings(input: { disabledEventTypes: ["order.cancelled"] }) { tenant { id } } }`);
    expect(switchedOff.errors).toBeUndefined();
    expect(await resolve(null, 'order.cancelled', 'AWS')).toEqual([]);
    expect(await resolve('p1', 'order.cancelled')).toEqual([]);
    const nobody = await client(PUBLISH, { input: { type: 'order.cancelled', payload: {} } });
    expect(nobody.data!.publishEvent.deliveries).toEqual([]);

    const bad = await client(RESOLVE, { p: null, t: 'order.*' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'eventType' });
  });

  it('tests a webhook on a dead url: INVALID and UNHEALTHY', async () => {
    const client = await newTenant('dead');
    const port = await closedPort();
    const created = await client(CREATE, { input: { url: `http://127.0.0.1:${port}/hooks`, filters: { clouds: ['GCP'] } } });
    const id = created.data!.createWebhook.webhook.id;
    await until(async () => (await client(WEBHOOK, { id })).data!.webhook.state === 'INVALID', 'the automatic test to fail');
    const tested = await client(
      `mutation($id: ID!) { testWebhook(input: { id: $id }) { result { ok statusCode error } webhook { state health { status lastFailureAt } } } }`,
      { id },
    );
    expect(tested.errors).toBeUndefined();
    expect(tested.data!.testWebhook.result).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/ECONNREFUSED|refused/i) });
    expect(tested.data!.testWebhook.webhook).toMatchObject({ state: 'INVALID', health: { status: 'UNHEALTHY', lastFailureAt: expect.any(String) } });
  });

  it('keeps deliveries and messages to their tenant', async () => {
    const owner = await newTenant('owner');
    const stranger = await newTenant('stranger');
    const target = await receiver();
    await validWebhook(owner, target, { filters: { eventTypes: ['a.*'] } });
    const published = await owner(PUBLISH, { input: { type: 'a.b', payload: 1 } });
    const { message, deliveries } = published.data!.publishEvent;
    expect((await stranger(DELIVERY, { id: deliveries[0].id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await stranger(`query($id: ID!) { message(id: $id) { id } }`, { id: message.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const redeliver = await stranger(`mutation($id: ID!) { redeliver(input: { deliveryId: $id }) { delivery { id } } }`, { id: deliveries[0].id });
    expect(redeliver.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await stranger(`{ deliveries { totalCount } }`)).data!.deliveries.totalCount).toBe(0);
    const list = await owner(`query($m: ID) { deliveries(filter: { messageId: $m }) { totalCount edges { node { id } } } }`, { m: message.id });
    expect(list.data!.deliveries).toMatchObject({ totalCount: 1, edges: [{ node: { id: deliveries[0].id } }] });
  });

  it('pages through deliveries newest first, also from the webhook', async () => {
    const client = await newTenant('pages');
    const target = await receiver();
    const webhookId = await validWebhook(client, target, { filters: { eventTypes: ['page.*'] } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const published = await client(PUBLISH, { input: { type: 'page.turned', payload: i } });
      ids.push(published.data!.publishEvent.deliveries[0].id);
      await finalDelivery(client, ids[i]!);
    }
    const PAGE = `query($after: String) { deliveries(first: 2, after: $after, filter: { statuses: [SUCCEEDED] }) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id status } } } }`;
    const first = (await client(PAGE)).data!.deliveries;
    expect(first).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    const second = (await client(PAGE, { after: first.pageInfo.endCursor })).data!.deliveries;
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect([...first.edges, ...second.edges].map((e: { node: { id: string } }) => e.node.id)).toEqual([...ids].reverse());
    const fromWebhook = await client(`query($id: ID!) { webhook(id: $id) { deliveries(first: 5) { totalCount edges { node { id } } } } }`, {
      id: webhookId,
    });
    expect(fromWebhook.data!.webhook.deliveries.totalCount).toBe(3);
    const badCursor = await client(PAGE, { after: 'nonsense' });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
