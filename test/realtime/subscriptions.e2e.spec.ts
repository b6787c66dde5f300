import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/graphql-client.js';
import { startReceiver, type WebhookReceiver } from '../support/receivers/webhook-receiver.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { liveClient, type LiveClient, type Subscription } from '../support/ws-client.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id version } } }`;
const WEBHOOK_CHANGED = `subscription($id: ID) {
  webhookChanged(id: $id) {
    webhook { id url state version description deactivationReason }
    event { type version actor correlationId data at }
  }
}`;
const AUDIT_LOG = `subscription($after: String) { auditLog(after: $after) { position type stream version actor correlationId data } }`;
const DELIVERY_OUTCOME = `subscription($webhookId: ID) {
  deliveryOutcome(webhookId: $webhookId) {
    kind deliveryId messageId webhookId eventType attempt statusCode durationMs error errorKind failureReason nextAttemptAt at
  }
}`;
const PUBLISH = `mutation($input: PublishEventInput!) { publishEvent(input: $input) { message { id } deliveries { id webhookId } } }`;

describe('GraphQL subscriptions over graphql-ws (real server, embedded store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-live-'));
  let server: ServerProcess;
  let admin: ReturnType<typeof graphqlClient>;
  const clients: LiveClient[] = [];
  const receivers: WebhookReceiver[] = [];

  async function newTenant(name: string) {
    const result = await admin(`mutation($n: String!) { createTenant(input: { name: $n }) { apiKey apiKeyId tenant { id } } }`, { n: name });
    expect(result.errors).toBeUndefined();
    const { apiKey, apiKeyId, tenant } = result.data!.createTenant;
    return { id: tenant.id as string, apiKey: apiKey as string, apiKeyId: apiKeyId as string, http: graphqlClient(server.url, apiKey) };
  }

  function connect(params: Record<string, unknown>): LiveClient {
    const client = liveClient(server.url, params);
    clients.push(client);
    return client;
  }

  async function createWebhook(http: ReturnType<typeof graphqlClient>, url: string): Promise<string> {
    const created = await http(CREATE, { input: { url, filters: { eventTypes: ['order.*'] } } });
    expect(created.errors).toBeUndefined();
    return created.data!.createWebhook.webhook.id;
  }

  async function updateWebhook(http: ReturnType<typeof graphqlClient>, input: Record<string, unknown>): Promise<void> {
    const updated = await http(`mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { version } } }`, { input });
    expect(updated.errors).toBeUndefined();
  }

  /** Makes a change until every subscription has received something: then they are registered on the server. */
  async function untilSeen(subscriptions: Subscription<any>[], poke: (attempt: number) => Promise<void>): Promise<void> {
    let ended: unknown;
    for (const s of subscriptions) void s.ended.then((reason) => (ended ??= reason ?? 'completed'));
    for (let attempt = 0; attempt < 100; attempt++) {
      if (ended) throw new Error(`a subscription ended: ${JSON.stringify(ended)}`);
      const before = subscriptions.map((s) => s.results.length);
      await poke(attempt);
      try {
        await Promise.all(subscriptions.map((s, i) => s.waitFor(before[i]! + 1, 300)));
        return;
      } catch {
        // not registered yet
      }
    }
    throw new Error(`the subscriptions never received anything (${subscriptions.map((s) => s.results.length).join(', ')}):\n${server.output.slice(-15).join('\n')}`);
  }

  beforeAll(async () => {
    server = await startServerProcess({
      HOOKGATE_DATA_DIR: dataDir,
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_HTTP: 'true',
      // deliveryOutcome: receivers on 127.0.0.1, retried at once.
      HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
      HOOKGATE_RETRY_SCHEDULE: '0,100ms,200ms',
    });
    admin = graphqlClient(server.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await server?.stop();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a connection without a valid key, with the reason', async () => {
    for (const params of [{}, { authorization: 'Bearer hgk_not-a-key' }, { apiKey: 'hgk_not-a-key' }]) {
      const closed = await connect(params).closed;
      expect(closed.code).toBe(4403);
      expect(closed.reason).toMatch(/Unauthenticated: a valid API key is required/);
    }
  });

  it('accepts the key as { apiKey } or { authorization }, and a revoked key is refused and cut off', async () => {
    const tenant = await newTenant('revoker');
    const issued = await tenant.http(`mutation { issueApiKey(input: { name: "second" }) { key apiKey { id } } }`);
    const second = issued.data!.issueApiKey;

    const viaApiKey = connect({ apiKey: second.key });
    const viaHeader = connect({ authorization: `Bearer ${tenant.apiKey}` });
    await Promise.all([viaApiKey.connected, viaHeader.connected]);
    const other = viaHeader.subscribe(AUDIT_LOG, { after: '0' });
    await other.waitFor(3); // TenantCreated, ApiKeyIssued twice

    const revoked = await tenant.http(`mutation($k: ID!) { revokeApiKey(input: { keyId: $k }) { apiKey { revokedAt } } }`, { k: second.apiKey.id });
    expect(revoked.errors).toBeUndefined();
    expect(await viaApiKey.closed).toEqual({ code: 4403, reason: 'Forbidden: the API key was revoked' });

    const again = await connect({ apiKey: second.key }).closed;
    expect(again.code).toBe(4403);
    // The other key's connection goes on, and sees the revocation.
    const results = await other.waitFor(4);
    expect(results.map((r) => r.data!.auditLog.type)).toEqual(['TenantCreated', 'ApiKeyIssued', 'ApiKeyIssued', 'ApiKeyRevoked']);
  });

  it('webhookChanged: create, update and deactivate, each with the new state and its event', async () => {
    const tenant = await newTenant('watcher');
    const id = await createWebhook(tenant.http, 'https://watched.example.com');
    const client = connect({ authorization: `Bearer ${tenant.apiKey}` });
    const all = client.subscribe(WEBHOOK_CHANGED);
    const one = client.subscribe(WEBHOOK_CHANGED, { id });
    // A live subscription sees what happens once the server has registered it: poke the webhook until both do.
    await untilSeen([all, one], (n) => updateWebhook(tenant.http, { id, description: `probe ${n}` }));
    const [allBefore, oneBefore] = [all.results.length, one.results.length];

    await updateWebhook(tenant.http, {
      id,
      url: 'https://moved.example.com',
      description: 'moved',
      auth: { type: 'BASIC', username: 'u', password: 'pa55word-secret' },
    });
    await tenant.http(`mutation($id: ID!) { deactivateWebhook(input: { id: $id, reason: "paused" }) { webhook { state } } }`, { id });
    const created = await createWebhook(tenant.http, 'https://second.example.com');

    const changes = (await all.waitFor(allBefore + 3)).slice(allBefore).map((result) => result.data!.webhookChanged);
    expect(changes.map((c) => [c.webhook.id, c.event.type, c.webhook.state, c.webhook.version === c.event.version])).toEqual([
      [id, 'WebhookUpdated', 'NEW', true],
      [id, 'WebhookDeactivated', 'DEACTIVATED', true],
      [created, 'WebhookCreated', 'NEW', true],
    ]);
    expect(changes[0].webhook).toMatchObject({ url: 'https://moved.example.com/', description: 'moved' });
    expect(changes[1].webhook).toMatchObject({ url: 'https://moved.example.com/', state: 'DEACTIVATED', deactivationReason: 'paused' });
    expect(changes[2].webhook).toMatchObject({ url: 'https://second.example.com/', version: 0, description: null });
    expect(changes[0].event.actor).toMatch(/^key:/);
    expect(JSON.stringify(changes)).not.toContain('pa55word-secret');
    expect(JSON.stringify(changes[0].event.data)).toContain('[REDACTED]');

    // The one-webhook subscription saw the same two changes of its webhook, and not the other webhook.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const forOne = one.results.slice(oneBefore).map((r) => r.data!.webhookChanged);
    expect(forOne.map((c) => [c.webhook.id, c.event.type])).toEqual([
      [id, 'WebhookUpdated'],
      [id, 'WebhookDeactivated'],
    ]);
  });

  it('keeps two tenants apart: each sees only its own events', async () => {
    const a = await newTenant('tenant-a');
    const b = await newTenant('tenant-b');
    // Resuming from the start makes the subscriptions independent of when the server registers them.
    const seenByA = connect({ apiKey: a.apiKey }).subscribe(AUDIT_LOG, { after: '0' });
    const seenByB = connect({ apiKey: b.apiKey }).subscribe(AUDIT_LOG, { after: '0' });
    const bWebhook = await createWebhook(b.http, 'https://b.example.com');
    const changedForB = connect({ apiKey: b.apiKey }).subscribe(WEBHOOK_CHANGED);
    await untilSeen([changedForB], (n) => updateWebhook(b.http, { id: bWebhook, description: `probe ${n}` }));

    for (let i = 0; i < 3; i++) await createWebhook(a.http, `https://a${i}.example.com`);
    await updateWebhook(b.http, { id: bWebhook, description: 'last' });

    const forB = await seenByB.waitUntil((r) => r.some((x) => x.data!.auditLog.data.changes?.description === 'last'));
    // TenantCreated, ApiKeyIssued, three webhooks (and their automatic tests, which may come later)
    const created = (r: { data?: any }[]) => r.filter((x) => x.data!.auditLog.type === 'WebhookCreated').length;
    const forA = (await seenByA.waitUntil((r) => created(r) === 3)).filter((r) => r.data!.auditLog.type !== 'WebhookTested');
    await changedForB.waitUntil((r) => r.some((x) => x.data!.webhookChanged.webhook.description === 'last'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const streamsOf = (results: typeof forA) => new Set(results.map((r) => r.data!.auditLog.stream));
    expect(forA.map((r) => r.data!.auditLog.type)).toEqual(['TenantCreated', 'ApiKeyIssued', 'WebhookCreated', 'WebhookCreated', 'WebhookCreated']);
    expect([...streamsOf(forB)]).toEqual([`tenant-${b.id}`, `webhook-${bWebhook}`]);
    expect([...streamsOf(forA)].some((stream) => streamsOf(forB).has(stream))).toBe(false);
    expect(changedForB.results.every((r) => r.data!.webhookChanged.webhook.id === bWebhook)).toBe(true);

    // Nor can one tenant follow another's webhook by id.
    const aWebhook = forA[2]!.data!.auditLog.stream.replace(/^webhook-/, '');
    const stranger = connect({ apiKey: b.apiKey }).subscribe(WEBHOOK_CHANGED, { id: aWebhook });
    const [refused] = await stranger.waitFor(1);
    expect(refused!.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('triggerFired: each accepted call of the tenant’s triggers (or one), with its body and headers', async () => {
    const tenant = await newTenant('triggers');
    const createTrigger = async (name: string) => {
      const result = await tenant.http(`mutation($input: CreateTriggerInput!) { createTrigger(input: $input) { secret trigger { id url } } }`, {
        input: { name },
      });
      expect(result.errors).toBeUndefined();
      return result.data!.createTrigger as { secret: string; trigger: { id: string; url: string } };
    };
    const orders = await createTrigger('orders');
    const other = await createTrigger('other');
    const call = async (trigger: { secret: string; trigger: { url: string } }, body: unknown) => {
      const response = await fetch(trigger.trigger.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-verify-signature': trigger.secret, 'x-request-source': 'test' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { runId: string }).runId;
    };
    const RUNS = `subscription($id: ID) { triggerFired(triggerId: $id) { id triggerId receivedAt body bodyEncoding headers { name value } } }`;
    const client = connect({ apiKey: tenant.apiKey });
    const all = client.subscribe(RUNS);
    const one = client.subscribe(RUNS, { id: orders.trigger.id });
    await untilSeen([all, one], (n) => call(orders, { probe: n }).then(() => undefined));
    const [allBefore, oneBefore] = [all.results.length, one.results.length];

    const runId = await call(orders, { order: 42 });
    await call(other, { other: true });
    const runs = (await all.waitFor(allBefore + 2)).slice(allBefore).map((r) => r.data!.triggerFired);
    expect(runs[0]).toMatchObject({ id: runId, triggerId: orders.trigger.id, body: { order: 42 }, bodyEncoding: 'JSON' });
    expect(runs[0].headers).toContainEqual({ name: 'x-request-source', value: 'test' });
    expect(JSON.stringify(runs)).not.toContain(orders.secret);
    expect(runs[1]).toMatchObject({ triggerId: other.trigger.id, body: { other: true } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(one.results.slice(oneBefore).map((r) => r.data!.triggerFired.id)).toEqual([runId]);

    // Another tenant cannot follow it.
    const stranger = await newTenant('stranger');
    const [refused] = await connect({ apiKey: stranger.apiKey }).subscribe(RUNS, { id: orders.trigger.id }).waitFor(1);
    expect(refused!.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('deliveryOutcome: a failed attempt, the retry that lands and the success, in order, to the owning tenant only', async () => {
    const a = await newTenant('outcomes-a');
    const b = await newTenant('outcomes-b');
    /** A receiver whose first `order.created` fails with 500; everything else (tests, probes) lands. */
    let failedOnce = false;
    const flaky = await startReceiver({
      behaviour: (request) => {
        if (!failedOnce && request.body.includes('"type":"order.created"')) {
          failedOnce = true;
          return { status: 500, body: 'try again' };
        }
        return { status: 200, body: 'ok' };
      },
    });
    const steady = await startReceiver();
    receivers.push(flaky, steady);
    const validWebhook = async (tenant: { http: ReturnType<typeof graphqlClient> }, receiver: WebhookReceiver) => {
      const created = await tenant.http(`mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { signingSecret webhook { id } } }`, {
        input: { url: receiver.url, filters: { eventTypes: ['order.*'] } },
      });
      expect(created.errors).toBeUndefined();
      const { webhook, signingSecret } = created.data!.createWebhook;
      receiver.setSecrets([signingSecret]);
      const deadline = Date.now() + 10_000;
      while ((await tenant.http(`query($id: ID!) { webhook(id: $id) { state } }`, { id: webhook.id })).data!.webhook.state !== 'VALID') {
        if (Date.now() > deadline) throw new Error('the automatic test did not pass');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return webhook.id as string;
    };
    const aWebhook = await validWebhook(a, flaky);
    const bWebhook = await validWebhook(b, steady);
    const publish = async (tenant: { http: ReturnType<typeof graphqlClient> }, type: string) => {
      const published = await tenant.http(PUBLISH, { input: { type, payload: { at: Date.now() } } });
      expect(published.errors).toBeUndefined();
      return published.data!.publishEvent.message.id as string;
    };

    const aAll = connect({ apiKey: a.apiKey }).subscribe(DELIVERY_OUTCOME);
    const aOne = connect({ apiKey: a.apiKey }).subscribe(DELIVERY_OUTCOME, { webhookId: aWebhook });
    const bAll = connect({ apiKey: b.apiKey }).subscribe(DELIVERY_OUTCOME);
    await untilSeen([aAll, aOne], () => publish(a, 'order.probe').then(() => undefined));
    await untilSeen([bAll], () => publish(b, 'order.probe').then(() => undefined));

    const messageId = await publish(a, 'order.created');
    const ofMessage = (results: typeof aAll.results) =>
      results.map((r) => r.data!.deliveryOutcome).filter((o: { messageId: string }) => o.messageId === messageId);
    await aAll.waitUntil((results) => ofMessage(results).length >= 3);
    const outcomes = ofMessage(aAll.results);
    expect(outcomes.map((o) => [o.kind, o.attempt, o.statusCode])).toEqual([
      ['ATTEMPTED', 1, 500],
      ['ATTEMPTED', 2, 200],
      ['SUCCEEDED', 2, 200],
    ]);
    expect(outcomes[0]).toMatchObject({
      webhookId: aWebhook,
      eventType: 'order.created',
      error: expect.stringMatching(/500/),
      errorKind: 'HTTP_STATUS',
      nextAttemptAt: expect.any(String),
      durationMs: expect.any(Number),
    });
    expect(outcomes[1]).toMatchObject({ error: null, errorKind: null, nextAttemptAt: null });
    expect(outcomes[2]).toMatchObject({ deliveryId: outcomes[0].deliveryId, failureReason: null, at: expect.any(String) });
    await aOne.waitUntil((results) => ofMessage(results).length >= 3);
    expect(aOne.results.every((r) => r.data!.deliveryOutcome.webhookId === aWebhook)).toBe(true);

    // Whatever reached b's subscriber before its own later probe would have been dispatched by then.
    const last = await publish(b, 'order.probe');
    await bAll.waitUntil((results) => results.some((r) => r.data!.deliveryOutcome.messageId === last));
    expect(bAll.results.every((r) => r.data!.deliveryOutcome.webhookId === bWebhook)).toBe(true);
    const [refused] = await connect({ apiKey: b.apiKey }).subscribe(DELIVERY_OUTCOME, { webhookId: aWebhook }).waitFor(1);
    expect(refused!.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('applies the same validation limits (graphql-armor) and argument checks as HTTP', async () => {
    const tenant = await newTenant('limits');
    const client = connect({ apiKey: tenant.apiKey });
    const refusal = async (query: string) => {
      const error = await client.subscribe(query).ended;
      expect(Array.isArray(error)).toBe(true);
      return (error as { message: string }[])[0]!.message;
    };
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(' ');
    expect(await refusal(`subscription { webhookChanged { webhook { ${aliases} } } }`)).toMatch(/aliases/i);
    expect(await refusal(`subscription { webhookChanged { webhook { ${'id '.repeat(2_100)} } } }`)).toMatch(/token/i);
    const directives = '@include(if: true) '.repeat(25);
    expect(await refusal(`subscription { webhookChanged { webhook { id ${directives} } } }`)).toMatch(/directives/i);
    expect(await refusal(`subscription { auditLog { `)).toMatch(/Syntax Error/);
    expect(await refusal(`subscription { auditLog { nope } }`)).toMatch(/Cannot query field "nope"/);

    const [badAfter] = await client.subscribe(`subscription { auditLog(after: "not-a-position") { position } }`).waitFor(1);
    expect(badAfter!.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('serves subscriptions over WebSocket only, saying so over HTTP', async () => {
    const tenant = await newTenant('http');
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tenant.apiKey}` },
      body: JSON.stringify({ query: 'subscription { auditLog { position } }' }),
    });
    expect(await response.text()).toContain('Subscriptions are served over WebSocket');
  });
});
