import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { deliveryProjection } from '../../projections/deliveries/delivery-projection.js';
import type { RecordedEvent } from '../../src/eventstore/event-store.js';
import { deliveryStream, messageStream } from '../../src/streams/stream-names.js';

const TABLES = ['deliveries', 'delivery_attempts', 'webhook_delivery_health', 'webhook_delivery_hours'];
const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T10:15:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const hourOf = (ms: number) => at(ms).slice(0, 13);

function dump(db: Database.Database): Record<string, unknown[]> {
  return Object.fromEntries(TABLES.map((table) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()]));
}

/** Successes and a failure over hours far apart and out of order: what a rebuild of an old log can hand one batch. */
function log(): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  const push = (streamName: string, revision: number, type: string, data: Record<string, unknown>) =>
    events.push({
      id: `e${events.length}`,
      type,
      data: data as never,
      metadata: { tenantId: 't' },
      streamName,
      revision,
      position: events.length + 1,
      createdAt: new Date(T0),
    });
  // [webhook, attempted at, ok]: w1 twice in an hour, twice 49 hours later (pruning the first hour), then twice in
  // the first hour again (recorded late); w2 the same around a failure.
  const plan: [string, number, boolean][] = [
    ['w1', 0, true],
    ['w1', 60_000, true],
    ['w2', 30_000, true],
    ['w1', 49 * HOUR, true],
    ['w1', 49 * HOUR + 1_000, true],
    ['w2', 49 * HOUR + 5_000, true],
    ['w2', 90_000, false],
    ['w1', 120_000, true],
    ['w1', 130_000, true],
    ['w2', 49 * HOUR + 6_000, true],
    ['w2', 49 * HOUR + 7_000, true],
  ];
  const deliveries = plan.map(([webhookId], i) => ({ deliveryId: `d${i}`, webhookId }));
  push(messageStream('m'), 0, 'MessagePublished', {
    messageId: 'm', tenantId: 't', type: 'x.y', payload: {}, productId: null, cloud: null, idempotencyKey: null, publishedAt: at(0), deliveries,
  });
  plan.forEach(([webhookId, time, ok], i) => {
    const ref = { deliveryId: `d${i}`, messageId: 'm', webhookId };
    const stream = deliveryStream(ref.deliveryId);
    if (!ok) {
      push(stream, 0, 'DeliveryAttempted', {
        ...ref, attempt: 1, attemptedAt: at(time), statusCode: 500, durationMs: 3, error: 'HTTP 500', errorKind: 'HTTP_STATUS', responseExcerpt: null, nextAttemptAt: at(time + 5_000),
      });
      return;
    }
    push(stream, 0, 'DeliveryAttempted', {
      ...ref, attempt: 1, attemptedAt: at(time), statusCode: 200, durationMs: 2, error: null, errorKind: null, responseExcerpt: 'ok', nextAttemptAt: null,
    });
    push(stream, 1, 'DeliverySucceeded', { ...ref, attempt: 1, succeededAt: at(time + 10) });
  });
  return events;
}

describe('the delivery projection in batches', () => {
  it('counts successes per webhook and hour into the same rows as one event at a time, pruning in the same order', () => {
    const oneByOne = new Database(':memory:');
    const batched = new Database(':memory:');
    deliveryProjection.setup(oneByOne);
    deliveryProjection.setup(batched);
    const events = log();
    for (const event of events) deliveryProjection.apply(oneByOne, event);
    deliveryProjection.applyBatch!(batched, events);

    const expected = dump(oneByOne);
    expect(dump(batched)).toEqual(expected);
    // The first hour came back after the attempts 49 hours later pruned it.
    expect(expected['webhook_delivery_hours']).toEqual([
      { webhook_id: 'w1', hour: hourOf(0), attempts: 2, successes: 2 },
      { webhook_id: 'w1', hour: hourOf(49 * HOUR), attempts: 2, successes: 2 },
      { webhook_id: 'w2', hour: hourOf(0), attempts: 1, successes: 0 },
      { webhook_id: 'w2', hour: hourOf(49 * HOUR), attempts: 3, successes: 3 },
    ]);
    expect(expected['delivery_attempts']!.length).toBe(11);
  });
});
