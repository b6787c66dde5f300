import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, JsonValue } from '../../src/eventstore/event-store.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';
import { EventHub } from '../../src/realtime/event-hub.js';
import type { DeliveryOutcome } from '../../src/realtime/feeds/delivery-outcomes.js';
import { LiveFeeds } from '../../src/realtime/live-feeds.js';
import { deliveryStream, messageStream } from '../../src/streams/stream-names.js';

const notTooSlow = () => {
  throw new Error('cut off');
};

/** deliveryOutcome's feed on the real embedded store and hub, with delivery events written as the worker writes them. */
describe('deliveryOutcome feed (embedded store, real hub)', () => {
  let store: EventStore;
  let hub: EventHub;

  beforeEach(async () => {
    store = new SqliteEventStore({ filename: ':memory:' });
    hub = new EventHub(store, pino({ level: 'silent' }));
    await hub.start();
  });
  afterEach(async () => {
    await hub.stop();
    await store.close();
  });

  const newEvent = (tenantId: string, type: string, data: JsonValue) => ({ id: randomUUID(), type, data, metadata: { tenantId } });

  async function publish(tenantId: string, messageId: string, type: string, deliveries: { deliveryId: string; webhookId: string }[]) {
    await store.appendToStream(messageStream(messageId), [
      newEvent(tenantId, 'MessagePublished', {
        messageId, tenantId, type, payload: {}, productId: null, cloud: null, idempotencyKey: null, publishedAt: '2025-01-01T00:00:00.000Z', deliveries,
      }),
    ]);
  }

  const attempted = (ref: Record<string, string>, attempt: number, statusCode: number | null, nextAttemptAt: string | null) => ({
    type: 'DeliveryAttempted',
    data: {
      ...ref, attempt, attemptedAt: `2025-01-01T00:00:0${attempt}.000Z`, statusCode, durationMs: 10 * attempt,
      error: statusCode === 200 ? null : `HTTP ${statusCode}`, errorKind: statusCode === 200 ? null : 'HTTP_STATUS', responseExcerpt: null, nextAttemptAt,
    },
  });

  async function deliveryEvents(tenantId: string, deliveryId: string, events: { type: string; data: Record<string, JsonValue> }[]) {
    await store.appendToStream(deliveryStream(deliveryId), events.map((e) => newEvent(tenantId, e.type, e.data)));
  }

  async function take(feed: AsyncIterableIterator<DeliveryOutcome>, count: number): Promise<DeliveryOutcome[]> {
    const taken: DeliveryOutcome[] = [];
    while (taken.length < count) taken.push((await feed.next()).value!);
    return taken;
  }

  it('pushes each attempt, the success with its status code, and a final failure, with the event type, to the owning tenant only', async () => {
    const feeds = new LiveFeeds(hub, store, 100);
    const all = feeds.deliveryOutcome({ tenantId: 'a', onTooSlow: notTooSlow });
    const onlyW2 = feeds.deliveryOutcome({ tenantId: 'a', webhookId: 'w2', onTooSlow: notTooSlow });
    const other = feeds.deliveryOutcome({ tenantId: 'b', onTooSlow: notTooSlow });

    const d1 = { deliveryId: 'd1', messageId: 'm1', webhookId: 'w1' };
    const d2 = { deliveryId: 'd2', messageId: 'm1', webhookId: 'w2' };
    await publish('a', 'm1', 'order.created', [d1, d2].map(({ deliveryId, webhookId }) => ({ deliveryId, webhookId })));
    await deliveryEvents('a', 'd1', [attempted(d1, 1, 500, '2025-01-01T00:00:05.000Z')]);
    await deliveryEvents('a', 'd1', [attempted(d1, 2, 200, null), { type: 'DeliverySucceeded', data: { ...d1, attempt: 2, succeededAt: '2025-01-01T00:00:02.000Z' } }]);
    await deliveryEvents('a', 'd2', [
      attempted(d2, 1, 503, null),
      { type: 'DeliveryFailed', data: { ...d2, attempts: 1, reason: 'RETRIES_EXHAUSTED', detail: 'gave up', failedAt: '2025-01-01T00:00:01.000Z' } },
    ]);
    await publish('b', 'm2', 'secret.thing', [{ deliveryId: 'd3', webhookId: 'w3' }]);
    const d3 = { deliveryId: 'd3', messageId: 'm2', webhookId: 'w3' };
    await deliveryEvents('b', 'd3', [attempted(d3, 1, 200, null)]);

    const seen = await take(all, 5);
    expect(seen.map((o) => [o.kind, o.deliveryId, o.attempt, o.statusCode])).toEqual([
      ['ATTEMPTED', 'd1', 1, 500],
      ['ATTEMPTED', 'd1', 2, 200],
      ['SUCCEEDED', 'd1', 2, 200],
      ['ATTEMPTED', 'd2', 1, 503],
      ['FAILED', 'd2', 1, 503],
    ]);
    expect(seen[0]).toEqual({
      kind: 'ATTEMPTED', deliveryId: 'd1', messageId: 'm1', webhookId: 'w1', eventType: 'order.created', attempt: 1, statusCode: 500,
      durationMs: 10, error: 'HTTP 500', errorKind: 'HTTP_STATUS', failureReason: null, nextAttemptAt: '2025-01-01T00:00:05.000Z',
      at: '2025-01-01T00:00:01.000Z',
    });
    expect(seen[2]).toMatchObject({ durationMs: 20, error: null, at: '2025-01-01T00:00:02.000Z' });
    expect(seen[4]).toMatchObject({ eventType: 'order.created', failureReason: 'RETRIES_EXHAUSTED', error: 'gave up', errorKind: 'HTTP_STATUS' });
    expect((await take(onlyW2, 2)).map((o) => o.webhookId)).toEqual(['w2', 'w2']);
    expect(await take(other, 1)).toEqual([expect.objectContaining({ deliveryId: 'd3', eventType: 'secret.thing' })]);
    for (const feed of [all, onlyW2, other]) await feed.return!();
  });

  it('reads the attempt of a success from the log when it did not see it go by', async () => {
    const d = { deliveryId: 'd9', messageId: 'm9', webhookId: 'w9' };
    await publish('a', 'm9', 'invoice.paid', [{ deliveryId: 'd9', webhookId: 'w9' }]);
    await deliveryEvents('a', 'd9', [attempted(d, 1, 204, null)]);
    // A feed that starts once the hub has passed the attempt never sees it.
    const head = await store.headPosition();
    while (hub.position < head) await new Promise((resolve) => setTimeout(resolve, 1));
    const feed = new LiveFeeds(hub, store, 100).deliveryOutcome({ tenantId: 'a', onTooSlow: notTooSlow });
    await deliveryEvents('a', 'd9', [{ type: 'DeliverySucceeded', data: { ...d, attempt: 1, succeededAt: '2025-01-01T00:00:03.000Z' } }]);
    expect(await take(feed, 1)).toEqual([expect.objectContaining({ kind: 'SUCCEEDED', statusCode: 204, durationMs: 10, eventType: 'invoice.paid' })]);
    await feed.return!();
  });
});
