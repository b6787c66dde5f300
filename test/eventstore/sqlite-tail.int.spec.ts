import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonValue, RecordedEvent } from '../../src/eventstore/event-store.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';

const event = (type = 'Happened', data: { [key: string]: JsonValue } = {}) => ({ id: randomUUID(), type, data, metadata: { tenantId: 't' } });

async function readAllAfter(store: SqliteEventStore, position: number, filter?: { streamNamePrefixes?: string[]; eventTypePrefixes?: string[] }) {
  const events: RecordedEvent[] = [];
  for await (const recorded of store.readAll({ afterPosition: position, ...(filter && { filter }) })) events.push(recorded);
  return events;
}

describe('SQLite reads of the latest events (served from memory while this connection is the only writer)', () => {
  it('answers as the table does, filters included, and no reader can change the data another reads', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    await store.appendToStream('message-1', [event('MessagePublished', { n: 1 })]);
    await Promise.all([
      store.appendToStream('delivery-1', [event('DeliveryAttempted'), event('DeliverySucceeded')]),
      store.appendToStream('delivery-2', [event('DeliveryAttempted')], { expectedRevision: 5 }).catch(() => undefined),
      store.appendToStream('webhook-1', [event('WebhookCreated')]),
    ]);
    const all = await readAllAfter(store, 0);
    expect(all.map((e) => [e.position, e.streamName, e.revision, e.type])).toEqual([
      [1, 'message-1', 0, 'MessagePublished'],
      [2, 'delivery-1', 0, 'DeliveryAttempted'],
      [3, 'delivery-1', 1, 'DeliverySucceeded'],
      [4, 'webhook-1', 0, 'WebhookCreated'],
    ]);
    expect((await readAllAfter(store, 1, { streamNamePrefixes: ['delivery-', 'webhook-'], eventTypePrefixes: ['Delivery'] })).map((e) => e.position)).toEqual([2, 3]);
    // Readers of the tail share one parse of each event, frozen.
    const [first] = await readAllAfter(store, 0);
    expect(() => {
      (first!.data as { n: number }).n = 99;
    }).toThrow(TypeError);
    expect(() => {
      first!.metadata.tenantId = 'other';
    }).toThrow(TypeError);
    const [again] = await readAllAfter(store, 0);
    expect(again!.data).toEqual({ n: 1 });
    expect(again!.metadata).toEqual({ tenantId: 't' });
    expect(await store.headPosition()).toBe(4);
    await store.close();
  });

  it("freezes the events of the tail, nested values included; an event read from the table is the reader's own", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-tail-'));
    const filename = join(dir, 'events.db');
    const writer = new SqliteEventStore({ filename });
    const reader = new SqliteEventStore({ filename });
    try {
      const data = { deliveries: [{ id: 'd-1' }], payload: { a: { b: 1 } } };
      await writer.appendToStream('message-1', [event('MessagePublished', data)]);
      const fromTail = (await readAllAfter(writer, 0))[0]!.data as typeof data;
      expect(Object.isFrozen(fromTail.deliveries[0])).toBe(true);
      expect(() => {
        fromTail.payload.a.b = 2;
      }).toThrow(TypeError);
      expect(fromTail).toEqual(data);
      // The reader wrote nothing: it has no tail and reads the table.
      const fromTable = (await readAllAfter(reader, 0))[0]!.data as typeof data;
      expect(fromTable).toEqual(data);
      fromTable.payload.a.b = 2;
      expect((await readAllAfter(reader, 0))[0]!.data).toEqual(data);
    } finally {
      await writer.close();
      await reader.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sees what another connection appended to the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-tail-'));
    const filename = join(dir, 'events.db');
    const ours = new SqliteEventStore({ filename });
    const theirs = new SqliteEventStore({ filename });
    try {
      await ours.appendToStream('a-1', [event()]);
      await theirs.appendToStream('b-1', [event()]);
      await ours.appendToStream('a-1', [event()]);
      expect(await ours.headPosition()).toBe(3);
      expect((await readAllAfter(ours, 1)).map((e) => e.streamName)).toEqual(['b-1', 'a-1']);
      await theirs.appendToStream('b-1', [event()]);
      expect((await readAllAfter(ours, 3)).map((e) => [e.position, e.streamName])).toEqual([[4, 'b-1']]);
      expect(await ours.headPosition()).toBe(4);
    } finally {
      await ours.close();
      await theirs.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
