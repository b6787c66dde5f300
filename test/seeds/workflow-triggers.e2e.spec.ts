// Seed 003 (workflow trigger webhooks): a user creates a webhook (here: a trigger) and records its id; POSTs to
// its trigger url with any body and headers, proved with the secret (X-Verify-Signature, as the seed does, or a
// Standard Webhooks signature); the body and headers reach subscribers as one event; the user lists what a
// trigger started; and a trigger may hand each call on to the tenant's webhooks as a published event.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTriggerDocument,
  MessageDocument,
  TriggerDocument,
  TriggerRunsDocument,
  TriggersDocument,
  type CreateTriggerInput,
} from '../generated/graphql.js';
import { deliveriesIn, LOCAL_DELIVERY_ENV, receiverPool, until, validWebhook } from '../support/delivery-steps.js';
import { startRegistryServer, type RegistryServer, type TenantSession } from '../support/registry-server.js';
import { dataOf } from '../support/typed-client.js';
import { liveClient, type LiveClient } from '../support/ws-client.js';

const TRIGGER_FIRED = `subscription($triggerId: ID) {
  triggerFired(triggerId: $triggerId) { id triggerId receivedAt contentType bodyEncoding body headers { name value } }
}`;

/** Signs like any Standard Webhooks sender. */
function signed(secret: string, body: string): Record<string, string> {
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
}

const call = async (url: string, body: string, headers: Record<string, string>) => {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as { runId?: string; error?: string } };
};

const headerMap = (headers: readonly { name: string; value: string }[]) => Object.fromEntries(headers.map((h) => [h.name, h.value]));

describe('seed 003: workflow trigger webhooks', () => {
  let hookgate: RegistryServer;
  let user: TenantSession;
  const receivers = receiverPool();
  const live: LiveClient[] = [];

  const createTrigger = async (input: CreateTriggerInput, as: TenantSession = user) => dataOf(await as.client(CreateTriggerDocument, { input })).createTrigger;
  const runsOf = async (triggerId: string, as: TenantSession = user, first = 50) =>
    dataOf(await as.client(TriggerRunsDocument, { triggerId, first })).triggerRuns;

  beforeAll(async () => {
    hookgate = await startRegistryServer(LOCAL_DELIVERY_ENV);
    user = await hookgate.newTenant('workflow-org');
  });
  afterAll(async () => {
    await Promise.all(live.map((client) => client.dispose()));
    await hookgate?.stop();
    await receivers.closeAll();
  });

  it('creates a trigger and gives its id, its url and, once, its secret', async () => {
    const { trigger, secret } = await createTrigger({ name: 'Product sync' });
    expect(trigger).toMatchObject({ name: 'Product sync', forwardAsEventType: null, url: `${hookgate.server.url}/hooks/${trigger.id}` });
    expect(trigger.id).toMatch(/\S/);
    expect(Date.parse(trigger.createdAt)).not.toBeNaN();
    expect(secret).toMatch(/^whsec_/);
    const read = dataOf(await user.client(TriggerDocument, { id: trigger.id })).trigger;
    expect(read).toEqual(trigger);
    expect(dataOf(await user.client(TriggersDocument)).triggers.map((t) => t.id)).toContain(trigger.id);
    expect(JSON.stringify(read)).not.toContain(secret);
  });

  it('takes any body and headers proved with the secret, as the seed’s curl does, and refuses an unproved call', async () => {
    const { trigger, secret } = await createTrigger({ name: 'any call' });
    // The seed's example: JSON body, the secret in X-Verify-Signature.
    const seedCall = await call(trigger.url, '{"foo":"bar"}', { 'content-type': 'application/json', 'x-verify-signature': secret, 'x-source': 'plm' });
    expect(seedCall.status).toBe(202);
    // Any other body, signed the Standard Webhooks way.
    const csv = 'sku,qty\nA-1,3\n';
    const signedCall = await call(trigger.url, csv, { 'content-type': 'text/csv', 'x-batch': '7', ...signed(secret, csv) });
    expect(signedCall.status).toBe(202);
    expect(await call(trigger.url, '{"foo":"bar"}', { 'content-type': 'application/json', 'x-verify-signature': 'my-secret-key' })).toMatchObject({
      status: 401,
    });

    const runs = (await runsOf(trigger.id)).edges.map((e) => e.node);
    expect(runs.map((r) => r.id)).toEqual([signedCall.json.runId, seedCall.json.runId]);
    expect(runs[1]).toMatchObject({ contentType: 'application/json', bodyEncoding: 'JSON', body: { foo: 'bar' } });
    expect(headerMap(runs[1]!.headers)).toMatchObject({ 'content-type': 'application/json', 'x-source': 'plm' });
    expect(runs[0]).toMatchObject({ contentType: 'text/csv', bodyEncoding: 'TEXT', body: csv });
    expect(headerMap(runs[0]!.headers)).toMatchObject({ 'x-batch': '7' });
    // The proof itself is not kept with the call.
    expect(JSON.stringify(runs)).not.toContain(secret);
  });

  it('hands each call to subscribers as one event carrying the body and the headers', async () => {
    const { trigger, secret } = await createTrigger({ name: 'live' });
    const client = liveClient(hookgate.server.url, { apiKey: user.apiKey });
    live.push(client);
    const fired = client.subscribe<{ triggerFired: { id: string; body: unknown; headers: { name: string; value: string }[] } }>(TRIGGER_FIRED, {
      triggerId: trigger.id,
    });
    // A subscription sees calls made once the server has registered it: call until it does.
    await until(async () => {
      await call(trigger.url, '{"probe":true}', { 'content-type': 'application/json', 'x-verify-signature': secret });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return fired.results.length > 0;
    }, 'the subscription to be registered');
    const before = fired.results.length;

    const body = JSON.stringify({ styleId: 'S-42', action: 'approved' });
    const answer = await call(trigger.url, body, { 'content-type': 'application/json', 'x-workflow-step': 'review', ...signed(secret, body) });
    const [event] = (await fired.waitUntil((results) => results.slice(before).some((r) => r.data?.triggerFired.id === answer.json.runId)))
      .slice(before)
      .map((r) => r.data!.triggerFired)
      .filter((run) => run.id === answer.json.runId);
    expect(event).toMatchObject({ body: { styleId: 'S-42', action: 'approved' } });
    expect(headerMap(event!.headers)).toMatchObject({ 'content-type': 'application/json', 'x-workflow-step': 'review' });
  });

  it('lists what a trigger started, newest first, page by page, to its own tenant only', async () => {
    const { trigger, secret } = await createTrigger({ name: 'listed' });
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call(trigger.url, JSON.stringify({ n: i }), { 'content-type': 'application/json', 'x-verify-signature': secret });
      runIds.push(answer.json.runId!);
    }
    const all = await runsOf(trigger.id);
    expect(all.totalCount).toBe(3);
    expect(all.edges.map((e) => [e.node.id, e.node.body])).toEqual([
      [runIds[2], { n: 2 }],
      [runIds[1], { n: 1 }],
      [runIds[0], { n: 0 }],
    ]);
    const firstPage = await runsOf(trigger.id, user, 2);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const rest = dataOf(await user.client(TriggerRunsDocument, { triggerId: trigger.id, first: 2, after: firstPage.pageInfo.endCursor })).triggerRuns;
    expect(rest.edges.map((e) => e.node.id)).toEqual([runIds[0]]);

    const stranger = await hookgate.newTenant('someone-else');
    expect((await stranger.client(TriggerRunsDocument, { triggerId: trigger.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('forwards each call as an event of the chosen type to the tenant’s webhooks, signed, and links the run to it', async () => {
    const tenant = await hookgate.newTenant('workflow-forwarding');
    const receiver = await receivers.start();
    const webhook = await validWebhook(tenant.client, receiver, { filters: { eventTypes: ['workflow.*'] } });
    const { trigger, secret } = await createTrigger({ name: 'to webhooks', forwardAsEventType: 'workflow.triggered' }, tenant);

    const body = JSON.stringify({ foo: 'bar' });
    const headers = { 'content-type': 'application/json', 'x-custom': 'kept', ...signed(secret, body) };
    const answer = await call(trigger.url, body, headers);
    expect(answer.status).toBe(202);
    const [delivered] = await until(async () => {
      const received = deliveriesIn(receiver.requests);
      return received.length > 0 && received;
    }, 'the forwarded call at the receiver');

    expect(delivered).toMatchObject({ verified: true, verifiedWith: [webhook.signingSecret] });
    const event = JSON.parse(delivered!.body) as { type: string; data: Record<string, any> };
    expect(event.type).toBe('workflow.triggered');
    expect(event.data).toMatchObject({
      triggerId: trigger.id,
      runId: answer.json.runId,
      contentType: 'application/json',
      bodyEncoding: 'json',
      body: { foo: 'bar' },
    });
    expect(event.data.headers).toMatchObject({ 'content-type': 'application/json', 'x-custom': 'kept' });
    expect(event.data.headers).not.toHaveProperty('webhook-signature');

    const run = await until(async () => {
      const [node] = (await runsOf(trigger.id, tenant)).edges.map((e) => e.node);
      return node?.forwardedMessageId != null && node;
    }, 'the run to show its message');
    expect(run).toMatchObject({ id: answer.json.runId, forwardAsEventType: 'workflow.triggered', forwardedMessageId: delivered!.webhookId });
    const message = dataOf(await tenant.client(MessageDocument, { id: run.forwardedMessageId! })).message;
    expect(message).toMatchObject({ type: 'workflow.triggered', deliveries: [{ webhookId: webhook.id, status: 'SUCCEEDED' }] });

    // The caller's retry of the same message (same webhook-id) is the same run, and is not forwarded again.
    expect(await call(trigger.url, body, headers)).toEqual(answer);
    const next = await call(trigger.url, '{"foo":"baz"}', { 'content-type': 'application/json', 'x-verify-signature': secret });
    await until(async () => deliveriesIn(receiver.requests).length >= 2 && true, 'the next call at the receiver');
    expect(deliveriesIn(receiver.requests).map((r) => JSON.parse(r.body).data.runId)).toEqual([answer.json.runId, next.json.runId]);
  });
});
