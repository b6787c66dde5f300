import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { deliveryProjection } from '../../projections/deliveries/delivery-projection.js';
import { DueDeliveries } from '../../projections/deliveries/due-deliveries.js';
import { DueDeliveryMirror } from '../../projections/deliveries/due-delivery-mirror.js';
import type { RecordedEvent } from '../../src/eventstore/event-store.js';

const recorded = (streamName: string, type: string, data: object = {}): RecordedEvent =>
  ({ streamName, type, position: 0, revision: 0, id: 'e', data, metadata: {}, createdAt: new Date() }) as RecordedEvent;

/** The deliveries table as the projection writes it: publishes go through the projection itself. */
function table() {
  const db = new Database(':memory:');
  deliveryProjection.setup(db);
  const update = db.prepare('UPDATE deliveries SET status = ?, next_attempt_at = ?, version = version + 1 WHERE id = ?');
  return {
    db,
    /** Publishes a message to [deliveryId, webhookId] pairs; returns its event, for the mirror's refresh. */
    publish: (messageId: string, publishedAt: string, deliveries: [string, string][]) => {
      const event = recorded(`message-${messageId}`, 'MessagePublished', {
        messageId,
        tenantId: 't',
        type: 'x.y',
        payload: {},
        productId: null,
        cloud: null,
        idempotencyKey: null,
        publishedAt,
        deliveries: deliveries.map(([deliveryId, webhookId]) => ({ deliveryId, webhookId })),
      });
      deliveryProjection.apply(db, event);
      return event;
    },
    set: (id: string, status: string, due: string | null) => update.run(status, due, id),
  };
}

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

describe('DueDeliveryMirror: the worker queue from memory gives the table’s answers', () => {
  const both = (mirror: DueDeliveryMirror, rows: DueDeliveries, now: string, limit: number, full: string[], skip: string[]) => {
    const fromMirror = mirror.due(now, limit, full, new Set(skip));
    // Row for row, every field: what the mirror built from a publish is what the table holds.
    expect(fromMirror).toEqual(rows.due(now, limit, full, skip));
    expect(mirror.nextDueAfter(now)).toEqual(rows.nextDueAfter(now));
    return fromMirror.map((row) => row.id);
  };

  it('follows publishes, attempts and outcomes through refresh', () => {
    const t = table();
    const rows = new DueDeliveries(t.db);
    const mirror = new DueDeliveryMirror(rows);
    t.publish('m0', at(3), [['d3', 'w1']]);
    t.publish('m1', at(1), [['d1', 'w2'], ['d2', 'w1']]);
    expect(both(mirror, rows, at(2), 10, [], [])).toEqual(['d1', 'd2']);
    expect(both(mirror, rows, at(5), 10, ['w2'], ['d2'])).toEqual(['d3']);
    expect(both(mirror, rows, at(5), 2, [], [])).toEqual(['d1', 'd2']);

    // A new message, an attempt that schedules a retry, and a success.
    const published = t.publish('m2', at(2), [['d4', 'w2']]);
    t.set('d1', 'PENDING', at(9));
    t.set('d2', 'SUCCEEDED', null);
    mirror.refresh([published, recorded('delivery-d1', 'DeliveryAttempted'), recorded('delivery-d2', 'DeliverySucceeded')]);
    expect(both(mirror, rows, at(5), 10, [], [])).toEqual(['d4', 'd3']);
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['d4', 'd3', 'd1']);
    expect(mirror.due(at(9), 10, [], new Set())[2]).toEqual(rows.due(at(9), 10, [], [])[2]);
  });

  it('answers from the table while the PENDING rows do not fit, and from memory again once they do', () => {
    let clock = 0;
    const t = table();
    const rows = new DueDeliveries(t.db);
    const mirror = new DueDeliveryMirror(rows, { capacity: 4, now: () => clock });
    for (let i = 0; i < 3; i++) t.publish(`ma${i}`, at(i), [[`a${i}`, 'w1']]);
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['a0', 'a1', 'a2']);
    mirror.refresh([0, 1, 2].map((i) => t.publish(`mb${i}`, at(i), [[`b${i}`, 'w2']])));
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);

    for (const id of ['a0', 'a1', 'a2', 'b0']) t.set(id, 'SUCCEEDED', null);
    clock += 5_000;
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['b1', 'b2']);
    mirror.refresh([t.publish('mc', at(0), [['c0', 'w1']])]);
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['c0', 'b1', 'b2']);
  });
});
