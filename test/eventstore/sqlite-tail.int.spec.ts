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
  it('answers as the table does, filters included, and each read gets its own copy of the data', async () => {
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
    const [first] = await readAllAfter(store, 0);
    (first!.data as { n: number }).n = 99;
    expect((await readAllAfter(store, 0))[0]!.data).toEqual({ n: 1 });
    expect(await store.headPosition()).toBe(4);
    await store.close();
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
