import { afterEach, describe, expect, it } from 'vitest';
import { deliveryStream } from '../../src/streams/stream-names.js';
import { eventually, startInProcessApp, type InProcessApp } from './support/in-process-app.js';
import { outcomes, ScriptedSender } from './support/scripted-sender.js';

let harness: InProcessApp | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function validWebhook(h: InProcessApp, url: string, filters: Record<string, unknown> = { eventTypes: ['order.*'] }) {
  const { webhook, signingSecret } = await h.app.services.webhooks.create(h.meta, { url, filters });
  // The auto-tester sends webhook.test through the sender; the scripted default answers 200.
  await eventually(() => h.app.services.webhookQueries.webhook(h.meta.tenantId, webhook.id)?.state === 'VALID', 5_000, 'VALID');
  return { id: webhook.id, signingSecret };
}

/** Requests to `url` are answered 200 once the returned function is called, not before. */
function answerWhenReleased(sender: ScriptedSender, url: string): () => void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  sender.reply(url, async () => {
    await gate;
    return outcomes.ok();
  });
  return release;
}

/** A webhook for `slow.*` whose receiver answers once released, and one for `fast.*` that answers at once. */
async function slowAndFastWebhooks(h: InProcessApp, sender: ScriptedSender) {
  const slow = 'http://127.0.0.1:9/slow';
  const fast = 'http://127.0.0.1:9/fast';
  await validWebhook(h, slow, { eventTypes: ['slow.*'] });
  await validWebhook(h, fast, { eventTypes: ['fast.*'] });
  return { slow, fast, release: answerWhenReleased(sender, slow) };
}

const delivery = (h: InProcessApp, id: string) => h.app.services.deliveryQueries.delivery(h.meta.tenantId, id)!;
const settled = (h: InProcessApp, id: string, status = 'SUCCEEDED', timeoutMs = 5_000) =>
  eventually(() => (delivery(h, id).status === status ? delivery(h, id) : undefined), timeoutMs, `delivery ${id} ${status}`);

describe('the delivery worker (in-process app, scripted sender)', () => {
  it('tests a new webhook automatically, then delivers a published event signed, with the message id as webhook-id', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender);
    const h = harness;
    const { id: webhookId, signingSecret } = await validWebhook(h, 'http://127.0.0.1:9/a');
    expect(sender.testsTo('http://127.0.0.1:9/a')).toHaveLength(1);
    const test = sender.testsTo('http://127.0.0.1:9/a')[0]!.delivery;
    expect(JSON.parse(test.body)).toMatchObject({ type: 'webhook.test', data: { webhookId } });

    const published = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: { orderId: 7 } });
    expect(published.replayed).toBe(false);
    expect(published.deliveries).toHaveLength(1);
    const [created] = published.deliveries;
    expect(created).toMatchObject({ webhookId, messageId: published.message.id, status: expect.any(String) });

    const done = await settled(h, created!.id);
    expect(done).toMatchObject({ attempts: 1, lastStatusCode: 200, nextAttemptAt: null });
    const [sent] = sender.deliveriesTo('http://127.0.0.1:9/a');
    expect(sent!.delivery.messageId).toBe(published.message.id);
    expect(sent!.delivery.signingSecrets).toEqual([signingSecret]);
    expect(JSON.parse(sent!.delivery.body)).toEqual({ type: 'order.created', timestamp: published.message.publishedAt, data: { orderId: 7 } });
    expect(h.app.services.deliveryQueries.attempts(created!.id)).toMatchObject([{ attempt: 1, statusCode: 200, errorKind: null }]);

    const events = (await h.store.readStream(deliveryStream(created!.id))).events;
    expect(events.map((e) => e.type)).toEqual(['DeliveryAttempted', 'DeliverySucceeded']);
    expect(events[0]!.metadata).toMatchObject({ tenantId: h.meta.tenantId, actor: 'system:delivery', correlationId: published.message.id });
  });

  it('walks the retry schedule in order with jitter inside its bounds, then fails', async () => {
    const sender = new ScriptedSender();
    const jitters = [0, 0.999999, 0.5];
    harness = await startInProcessApp(sender, { HOOKGATE_RETRY_SCHEDULE: '0,300ms,600ms' }, { random: () => jitters.shift() ?? 0.5 });
    const h = harness;
    const url = 'http://127.0.0.1:9/retry';
    await validWebhook(h, url);
    sender.reply(url, () => outcomes.status(500));
    const { deliveries } = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: {} });
    const failed = await settled(h, deliveries[0]!.id, 'FAILED');
    expect(failed).toMatchObject({ attempts: 3, failureReason: 'RETRIES_EXHAUSTED' });

    const attempts = h.app.services.deliveryQueries.attempts(deliveries[0]!.id);
    // The wait after attempt n is step n of the schedule, stretched by the jitter drawn (0 → -20%, ~1 → +20%).
    const waits = attempts.map((a) => (a.nextAttemptAt === null ? null : Date.parse(a.nextAttemptAt) - Date.parse(a.attemptedAt)));
    expect(waits[0]).toBeGreaterThanOrEqual(240);
    expect(waits[0]).toBeLessThan(240 + 50);
    expect(waits[1]).toBeGreaterThanOrEqual(720);
    expect(waits[1]).toBeLessThan(720 + 50);
    expect(waits[2]).toBeNull();
    const sent = sender.deliveriesTo(url);
    expect(sent).toHaveLength(3);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(240);
    expect(sent[2]!.at - sent[1]!.at).toBeGreaterThanOrEqual(720);
    expect(new Set(sent.map((s) => s.delivery.messageId)).size).toBe(1);
  });

  it('honours Retry-After when it is later than the schedule step', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender, { HOOKGATE_RETRY_SCHEDULE: '0,50ms' });
    const h = harness;
    const url = 'http://127.0.0.1:9/busy';
    await validWebhook(h, url);
    sender.reply(url, (_d, index) => (index === 1 ? outcomes.status(503, 700) : outcomes.ok()));
    const { deliveries } = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: {} });
    await settled(h, deliveries[0]!.id);
    const sent = sender.deliveriesTo(url);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(700);
  });

  it('keeps to the per-webhook and global limits, so a slow receiver does not hold up another', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender, { HOOKGATE_DELIVERY_CONCURRENCY: '3', HOOKGATE_DELIVERY_CONCURRENCY_PER_WEBHOOK: '2' });
    const h = harness;
    const { slow, release } = await slowAndFastWebhooks(h, sender);

    const slowOnes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => h.app.services.publisher.publish(h.meta, { type: 'slow.thing', payload: i })),
    );
    await eventually(() => sender.deliveriesTo(slow).length === 2, 5_000, 'two slow requests');
    const fastOnes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => h.app.services.publisher.publish(h.meta, { type: 'fast.thing', payload: i })),
    );
    for (const published of fastOnes) await settled(h, published.deliveries[0]!.id);
    expect(sender.deliveriesTo(slow)).toHaveLength(2);
    expect(sender.maxInFlightByUrl.get(slow)).toBe(2);
    expect(sender.maxInFlight).toBeLessThanOrEqual(3);

    release();
    for (const published of slowOnes) await settled(h, published.deliveries[0]!.id);
    expect(sender.maxInFlightByUrl.get(slow)).toBe(2);
    expect(sender.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('holds a publish back while more deliveries are due than HOOKGATE_PUBLISH_BACKLOG, until they go out', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender, { HOOKGATE_DELIVERY_CONCURRENCY: '2', HOOKGATE_PUBLISH_BACKLOG: '2' });
    const h = harness;
    const url = 'http://127.0.0.1:9/busy';
    await validWebhook(h, url);
    const release = answerWhenReleased(sender, url);
    const publish = (n: number) => h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: { n } });

    // Two in flight (the global limit), then two due and waiting: the backlog is at its limit, not over it.
    await publish(1);
    await publish(2);
    await eventually(() => sender.deliveriesTo(url).length === 2, 5_000, 'two requests in flight');
    await publish(3);
    await publish(4);
    await publish(5); // admitted with 2 waiting; now 3 are
    let sixthDone = false;
    const sixth = publish(6).then((result) => {
      sixthDone = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sixthDone).toBe(false);
    expect(h.app.services.deliveryQueries.list(h.meta.tenantId, {}, 50).totalCount).toBe(5);

    release();
    const published = await sixth;
    await settled(h, published.deliveries[0]!.id);
    // Published when admitted, not when asked.
    expect(sender.deliveriesTo(url)).toHaveLength(6);
  });

  it("does not count a slow webhook's own queue as backlog: other publishes go ahead", async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender, {
      HOOKGATE_DELIVERY_CONCURRENCY: '4',
      HOOKGATE_DELIVERY_CONCURRENCY_PER_WEBHOOK: '1',
      HOOKGATE_PUBLISH_BACKLOG: '1',
      HOOKGATE_PUBLISH_MAX_WAIT_MS: '60000',
    });
    const h = harness;
    const { slow, release } = await slowAndFastWebhooks(h, sender);
    for (let i = 0; i < 5; i++) await h.app.services.publisher.publish(h.meta, { type: 'slow.thing', payload: i });
    await eventually(() => sender.deliveriesTo(slow).length === 1, 5_000, 'one slow request in flight');
    // Four slow deliveries are due, all held back by their webhook's limit of 1: none waits for a free slot.
    const started = Date.now();
    const fastOne = await h.app.services.publisher.publish(h.meta, { type: 'fast.thing', payload: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
    await settled(h, fastOne.deliveries[0]!.id);
    release();
  });

  it('deactivates the webhook on 410 Gone, and fails its other pending deliveries without sending them', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender, { HOOKGATE_RETRY_SCHEDULE: '0,400ms' });
    const h = harness;
    const url = 'http://127.0.0.1:9/gone';
    const { id: webhookId } = await validWebhook(h, url);
    sender.reply(url, (delivery) => (JSON.parse(delivery.body).data === 'first' ? outcomes.status(500) : outcomes.status(410)));
    const first = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: 'first' });
    await eventually(() => delivery(h, first.deliveries[0]!.id).attempts === 1, 5_000, 'first attempt');
    const second = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: 'second' });

    expect(await settled(h, second.deliveries[0]!.id, 'FAILED')).toMatchObject({ failureReason: 'GONE', attempts: 1 });
    const webhook = await eventually(() => {
      const w = h.app.services.webhookQueries.webhook(h.meta.tenantId, webhookId)!;
      return w.state === 'DEACTIVATED' && w;
    });
    expect(webhook.deactivation).toMatchObject({ source: 'GONE' });
    expect(await settled(h, first.deliveries[0]!.id, 'FAILED')).toMatchObject({ failureReason: 'WEBHOOK_DEACTIVATED', attempts: 1 });
    expect(sender.deliveriesTo(url)).toHaveLength(2);
  });

  it('deactivates a webhook whose every attempt failed for HOOKGATE_DISABLE_AFTER', async () => {
    const sender = new ScriptedSender();
    // Steps of 400 ms (±20% jitter) around a 600 ms period: the second attempt (320–480 ms) is well inside it and the
    // third (640–960 ms) always past it, however the jitter falls.
    harness = await startInProcessApp(sender, { HOOKGATE_RETRY_SCHEDULE: '0,400ms,400ms,400ms', HOOKGATE_DISABLE_AFTER: '600ms' });
    const h = harness;
    const url = 'http://127.0.0.1:9/failing';
    const { id: webhookId } = await validWebhook(h, url);
    sender.reply(url, () => outcomes.refused());
    const { deliveries } = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: {} });
    const webhook = await eventually(() => {
      const w = h.app.services.webhookQueries.webhook(h.meta.tenantId, webhookId)!;
      return w.state === 'DEACTIVATED' && w;
    });
    expect(webhook.deactivation).toMatchObject({ source: 'FAILING', reason: expect.stringMatching(/^Every delivery attempt failed for 600ms \(failing since /) });
    // The attempt that crossed the period was the third; the delivery then fails without a fourth send.
    expect(await settled(h, deliveries[0]!.id, 'FAILED')).toMatchObject({ failureReason: 'WEBHOOK_DEACTIVATED', attempts: 3 });
    expect(sender.deliveriesTo(url)).toHaveLength(3);
    expect(h.app.services.webhookHealth.of(webhook)).toMatchObject({ status: 'UNHEALTHY', successRate: 0, attemptsInWindow: 3 });

    // Reactivated, it starts a new chance: the old failures no longer count.
    sender.reply(url, () => outcomes.ok());
    await h.app.services.webhooks.reactivate(h.meta, webhookId);
    await eventually(() => h.app.services.webhookQueries.webhook(h.meta.tenantId, webhookId)?.state === 'VALID', 5_000, 'retested');
    expect(h.app.services.deliveryQueries.failingSince(webhookId)).toBeNull();
  });

  it('fails a due delivery of a deactivated webhook without sending it', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender, { HOOKGATE_RETRY_SCHEDULE: '0,300ms' });
    const h = harness;
    const url = 'http://127.0.0.1:9/paused';
    const { id: webhookId } = await validWebhook(h, url);
    sender.reply(url, () => outcomes.status(502));
    const { deliveries } = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: {} });
    await eventually(() => delivery(h, deliveries[0]!.id).attempts === 1, 5_000, 'first attempt');
    await h.app.services.webhooks.deactivate(h.meta, webhookId, 'maintenance');
    expect(await settled(h, deliveries[0]!.id, 'FAILED')).toMatchObject({ failureReason: 'WEBHOOK_DEACTIVATED', attempts: 1 });
    expect(sender.deliveriesTo(url)).toHaveLength(1);
    await expect(h.app.services.redelivery.redeliver(h.meta, deliveries[0]!.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('redelivers a failed delivery on a new round with the same webhook-id, and redeliverFailed only failed ones', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender, { HOOKGATE_RETRY_SCHEDULE: '0,50ms' });
    const h = harness;
    const url = 'http://127.0.0.1:9/flaky';
    const { id: webhookId } = await validWebhook(h, url);
    sender.reply(url, () => outcomes.status(500));
    const a = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: 'a' });
    const b = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: 'b' });
    await settled(h, a.deliveries[0]!.id, 'FAILED');
    await settled(h, b.deliveries[0]!.id, 'FAILED');
    await expect(h.app.services.redelivery.redeliver(h.meta, 'nope')).rejects.toMatchObject({ name: 'NotFoundError' });

    sender.reply(url, () => outcomes.ok());
    const pending = await h.app.services.redelivery.redeliver(h.meta, a.deliveries[0]!.id);
    expect(pending).toMatchObject({ status: 'PENDING', attempts: 2, roundAttempts: 0 });
    expect(await settled(h, a.deliveries[0]!.id)).toMatchObject({ attempts: 3 });
    await expect(h.app.services.redelivery.redeliver(h.meta, a.deliveries[0]!.id)).resolves.toMatchObject({ status: 'PENDING' });
    await settled(h, a.deliveries[0]!.id);

    expect(await h.app.services.redelivery.redeliverFailed(h.meta, webhookId, new Date(Date.now() - 60_000))).toBe(1);
    expect(await settled(h, b.deliveries[0]!.id)).toMatchObject({ attempts: 3 });
    expect(await h.app.services.redelivery.redeliverFailed(h.meta, webhookId, new Date(Date.now() - 60_000))).toBe(0);
    const toA = sender.deliveriesTo(url).filter((s) => s.delivery.messageId === a.message.id);
    expect(toA).toHaveLength(4);
  });

  it('drops an attempt that lost the race to record (another worker recorded first)', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender);
    const h = harness;
    const url = 'http://127.0.0.1:9/raced';
    await validWebhook(h, url);
    sender.reply(url, async (outbound) => {
      // Another instance records its own attempt of the same delivery while this one is in flight.
      const [row] = h.app.services.deliveryQueries.deliveriesOfMessage(h.meta.tenantId, outbound.messageId);
      await h.store.appendToStream(
        deliveryStream(row!.id),
        [
          { id: crypto.randomUUID(), type: 'DeliveryAttempted', data: { deliveryId: row!.id, messageId: row!.messageId, webhookId: row!.webhookId, attempt: 1, attemptedAt: new Date().toISOString(), statusCode: 204, durationMs: 1, error: null, errorKind: null, responseExcerpt: null, nextAttemptAt: null } },
          { id: crypto.randomUUID(), type: 'DeliverySucceeded', data: { deliveryId: row!.id, messageId: row!.messageId, webhookId: row!.webhookId, attempt: 1, succeededAt: new Date().toISOString() } },
        ],
        { expectedRevision: 'no_stream' },
      );
      return outcomes.ok(200);
    });
    const { deliveries } = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: {} });
    expect(await settled(h, deliveries[0]!.id)).toMatchObject({ attempts: 1, lastStatusCode: 204 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await h.store.readStream(deliveryStream(deliveries[0]!.id))).events).toHaveLength(2);
    expect(sender.deliveriesTo(url)).toHaveLength(1);
  });

  it('publishes an idempotency key once: the same key answers with the first message and sends nothing again', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender);
    const h = harness;
    const url = 'http://127.0.0.1:9/once';
    await validWebhook(h, url);
    const input = { type: 'order.created', payload: { n: 1 }, idempotencyKey: 'order-1' };
    const first = await h.app.services.publisher.publish(h.meta, input);
    const again = await h.app.services.publisher.publish(h.meta, { ...input, payload: { n: 2 } });
    expect(again).toMatchObject({ replayed: true, message: { id: first.message.id, payload: { n: 1 } } });
    expect(again.deliveries.map((d) => d.id)).toEqual(first.deliveries.map((d) => d.id));
    await settled(h, first.deliveries[0]!.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sender.deliveriesTo(url)).toHaveLength(1);
    await expect(h.app.services.publisher.publish(h.meta, { ...input, idempotencyKey: 'x'.repeat(300) })).rejects.toMatchObject({
      field: 'idempotencyKey',
    });
  });

  it('tests a webhook again when its auth changes, with the new credentials, and has the sender forget its old token', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender);
    const h = harness;
    const url = 'http://127.0.0.1:9/auth';
    const { webhook } = await h.app.services.webhooks.create(h.meta, {
      url,
      filters: { eventTypes: ['*'] },
      auth: { type: 'BASIC', username: 'u', password: 'first-password' },
    });
    await eventually(() => h.app.services.webhookQueries.webhook(h.meta.tenantId, webhook.id)?.state === 'VALID');
    expect(sender.forgotten).toEqual([]);
    await h.app.services.webhooks.update(h.meta, webhook.id, { auth: { type: 'BASIC', username: 'u', password: 'second-password' } });
    await eventually(() => sender.testsTo(url).length === 2 && h.app.services.webhookQueries.webhook(h.meta.tenantId, webhook.id)?.state === 'VALID');
    expect(sender.forgotten).toEqual([webhook.id]);
    expect(sender.testsTo(url).map((t) => t.delivery.auth)).toEqual([
      { type: 'BASIC', username: 'u', password: 'first-password' },
      { type: 'BASIC', username: 'u', password: 'second-password' },
    ]);
  });
});
