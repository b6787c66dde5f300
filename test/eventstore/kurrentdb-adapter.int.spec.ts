import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore, NewEvent } from '../../src/eventstore/event-store.js';
import { EventStoreUnavailable } from '../../src/eventstore/errors.js';
import { createKurrentDbEventStore } from '../../src/eventstore/kurrentdb/kurrentdb-event-store.js';
import type { KurrentDbDouble } from '../kurrentdb-double/kurrentdb-double.js';
import {
  appendToDoubleLog,
  collect,
  newEvent,
  nextEvent,
  startDoubleWithStore,
  type DoubleWithStore,
} from './kurrentdb-double-fixture.js';

/** KurrentDB specifics the shared contract does not pin down, against the in-process double. */
describe('kurrentdb adapter', () => {
  let fixture: DoubleWithStore;
  let double: KurrentDbDouble;
  let store: EventStore;

  beforeAll(async () => {
    // A tiny page size so that reads of $all cross page boundaries in every test.
    fixture = await startDoubleWithStore({ readAllPageSize: 3, subscriptionBufferSize: 16 });
    ({ double, store } = fixture);
  });
  afterAll(() => fixture.stop());

  const event = (type: string, data: Record<string, unknown> = {}): NewEvent =>
    newEvent(type, data, { tenantId: 'tenant-1' });

  /** KurrentDB writes its own `$` events (statistics, settings, projections) into $all at any time. */
  function serverWritesSystemEvent(): void {
    appendToDoubleLog(double, '$stats-127.0.0.1:2113', ['$statsCollected']);
  }

  it('never surfaces the server’s own $ events, in reads, subscriptions or the head position', async () => {
    const stream = `sys-${randomUUID()}`;
    const start = await store.headPosition();
    await store.appendToStream(stream, [event('First')]);
    serverWritesSystemEvent();
    await store.appendToStream(stream, [event('Second')]);
    serverWritesSystemEvent();

    const read = await collect(store.readAll({ afterPosition: start }));
    expect(read.map((e) => e.type)).toEqual(['First', 'Second']);
    expect(await store.headPosition()).toBe(read[1]!.position);

    const subscription = store.subscribeToAll({ afterPosition: start });
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await nextEvent(iterator)).type).toBe('First');
    expect((await nextEvent(iterator)).type).toBe('Second');
    serverWritesSystemEvent();
    await store.appendToStream(stream, [event('Third')]);
    expect((await nextEvent(iterator)).type).toBe('Third');
    await subscription.unsubscribe();
  });

  it('reads $all across pages with the event-type part of a filter applied on the client', async () => {
    const p = `paged-${randomUUID()}-`;
    const start = await store.headPosition();
    for (let i = 0; i < 10; i++) {
      await store.appendToStream(`${p}${i % 3}`, [event(i % 2 === 0 ? 'Even' : 'Odd', { i })]);
      if (i % 4 === 0) serverWritesSystemEvent();
    }
    const evens = await collect(
      store.readAll({ afterPosition: start, filter: { streamNamePrefixes: [p], eventTypePrefixes: ['Ev'] } }),
    );
    expect(evens.map((e) => (e.data as { i: number }).i)).toEqual([0, 2, 4, 6, 8]);
    const limited = await collect(store.readAll({ afterPosition: evens[1]!.position, maxCount: 4, filter: { streamNamePrefixes: [p] } }));
    expect(limited.map((e) => (e.data as { i: number }).i)).toEqual([3, 4, 5, 6]);
  });

  it('answers a repeated append with the position of the original one', async () => {
    // KurrentDB reports no position for an append it recognised as a repeat; the adapter looks it up.
    const stream = `idem-${randomUUID()}`;
    const batch = [event('A'), event('B')];
    const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
    const again = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
    expect(again).toEqual(first);
  });

  it('gives an event the same createdAt whether it was read or received by a subscription', async () => {
    const stream = `created-${randomUUID()}`;
    const start = await store.headPosition();
    await store.appendToStream(stream, [event('Timed')]);
    const [read] = (await store.readStream(stream)).events;
    const subscription = store.subscribeToAll({ afterPosition: start, filter: { streamNamePrefixes: [stream] } });
    const received = await nextEvent(subscription[Symbol.asyncIterator]());
    await subscription.unsubscribe();
    expect(received.createdAt).toEqual(read!.createdAt);
  });

  it('holds the server back while the consumer does not pull (bounded buffering)', async () => {
    const stream = `slow-${randomUUID()}`;
    const start = await store.headPosition();
    const payload = 'x'.repeat(1_000);
    for (let i = 0; i < 30; i++) {
      await store.appendToStream(stream, Array.from({ length: 100 }, () => event('Big', { payload })));
    }
    const sentBefore = double.activity.subscriptionEventsSent;
    const subscription = store.subscribeToAll({ afterPosition: start, filter: { streamNamePrefixes: [stream] } });
    const iterator = subscription[Symbol.asyncIterator]();
    await nextEvent(iterator);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sentWhileIdle = double.activity.subscriptionEventsSent - sentBefore;
    expect(sentWhileIdle).toBeLessThan(1_000);

    let received = 1;
    while (received < 3_000) {
      await nextEvent(iterator);
      received += 1;
    }
    expect(double.activity.subscriptionEventsSent - sentBefore).toBeGreaterThanOrEqual(3_000);
    await subscription.unsubscribe();
  });

  it('makes a subscription still being iterated fail when the store is closed, like the SQLite adapter', async () => {
    const own = createKurrentDbEventStore(double.connectionString);
    const subscription = own.subscribeToAll({ afterPosition: 'end' });
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ kind: 'caughtUp' });
    const pending = iterator.next();
    await own.close();
    await expect(pending).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(own.readStream('x')).rejects.toBeInstanceOf(EventStoreUnavailable);
  });
});
