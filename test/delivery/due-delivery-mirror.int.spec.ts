import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { deliveryProjection } from '../../projections/deliveries/delivery-projection.js';
import { DueDeliveries } from '../../projections/deliveries/due-deliveries.js';
import { DueDeliveryMirror } from '../../projections/deliveries/due-delivery-mirror.js';
import type { RecordedEvent } from '../../src/eventstore/event-store.js';

function table() {
  const db = new Database(':memory:');
  deliveryProjection.setup(db);
  const insert = db.prepare(
    `INSERT INTO deliveries (id, tenant_id, message_id, webhook_id, event_type, status, attempts, round_attempts,
       next_attempt_at, created_at, updated_at, version) VALUES (?, 't', ?, ?, 'x', 'PENDING', 0, 0, ?, '', '', -1)`,
  );
  const update = db.prepare('UPDATE deliveries SET status = ?, next_attempt_at = ?, version = version + 1 WHERE id = ?');
  return {
    db,
    add: (id: string, messageId: string, webhookId: string, due: string) => insert.run(id, messageId, webhookId, due),
    set: (id: string, status: string, due: string | null) => update.run(status, due, id),
  };
}

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
const recorded = (streamName: string, type: string): RecordedEvent =>
  ({ streamName, type, position: 0, revision: 0, id: 'e', data: {}, metadata: {}, createdAt: new Date() }) as RecordedEvent;

describe('DueDeliveryMirror: the worker queue from memory gives the table’s answers', () => {
  const both = (mirror: DueDeliveryMirror, rows: DueDeliveries, now: string, limit: number, full: string[], skip: string[]) => {
    const fromMirror = mirror.due(now, limit, full, new Set(skip)).map((row) => row.id);
    expect(fromMirror).toEqual(rows.due(now, limit, full, skip).map((row) => row.id));
    expect(mirror.nextDueAfter(now)).toEqual(rows.nextDueAfter(now));
    return fromMirror;
  };

  it('follows publishes, attempts and outcomes through refresh', () => {
    const t = table();
    const rows = new DueDeliveries(t.db);
    const mirror = new DueDeliveryMirror(rows);
    t.add('d3', 'm1', 'w1', at(3));
    t.add('d1', 'm1', 'w2', at(1));
    t.add('d2', 'm1', 'w1', at(1));
    expect(both(mirror, rows, at(2), 10, [], [])).toEqual(['d1', 'd2']);
    expect(both(mirror, rows, at(5), 10, ['w2'], ['d2'])).toEqual(['d3']);
    expect(both(mirror, rows, at(5), 2, [], [])).toEqual(['d1', 'd2']);

    // A new message, an attempt that schedules a retry, and a success.
    t.add('d4', 'm2', 'w2', at(2));
    t.set('d1', 'PENDING', at(9));
    t.set('d2', 'SUCCEEDED', null);
    mirror.refresh([recorded('message-m2', 'MessagePublished'), recorded('delivery-d1', 'DeliveryAttempted'), recorded('delivery-d2', 'DeliverySucceeded')]);
    expect(both(mirror, rows, at(5), 10, [], [])).toEqual(['d4', 'd3']);
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['d4', 'd3', 'd1']);
    expect(mirror.due(at(9), 10, [], new Set())[2]).toEqual(rows.due(at(9), 10, [], [])[2]);
  });

  it('answers from the table while the PENDING rows do not fit, and from memory again once they do', () => {
    let clock = 0;
    const t = table();
    const rows = new DueDeliveries(t.db);
    const mirror = new DueDeliveryMirror(rows, { capacity: 4, now: () => clock });
    for (let i = 0; i < 3; i++) t.add(`a${i}`, 'm1', 'w1', at(i));
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['a0', 'a1', 'a2']);
    for (let i = 0; i < 3; i++) t.add(`b${i}`, 'm2', 'w2', at(i));
    mirror.refresh([recorded('message-m2', 'MessagePublished')]);
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);

    for (const id of ['a0', 'a1', 'a2', 'b0']) t.set(id, 'SUCCEEDED', null);
    clock += 5_000;
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['b1', 'b2']);
    t.add('c0', 'm3', 'w1', at(0));
    mirror.refresh([recorded('message-m3', 'MessagePublished')]);
    expect(both(mirror, rows, at(9), 10, [], [])).toEqual(['c0', 'b1', 'b2']);
  });
});
