import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, RecordedEvent } from '../../src/eventstore/event-store.js';
import { EventStoreUnavailable } from '../../src/eventstore/errors.js';
import { createKurrentDbEventStore } from '../../src/eventstore/kurrentdb/kurrentdb-event-store.js';
import type { KurrentDbDouble } from '../kurrentdb-double/kurrentdb-double.js';
import {
  appendToDoubleLog,
  newEvent as event,
  startDoubleWithStore,
  takeEvents as take,
  type DoubleWithStore,
} from './kurrentdb-double-fixture.js';

/** The server going away and coming back, which only the double can arrange. */
describe('kurrentdb adapter: the server goes away and comes back', () => {
  let fixture: DoubleWithStore;
  let double: KurrentDbDouble;
  let store: EventStore;

  beforeEach(async () => {
    fixture = await startDoubleWithStore({ reconnectForMs: 10_000, appendRetryForMs: 500 });
    ({ double, store } = fixture);
  });
  afterEach(() => fixture.stop());

  /** Events some other client got in while ours was cut off. */
  function appendBehindOurBack(streamName: string, types: string[]): void {
    appendToDoubleLog(double, streamName, types);
  }

  function expectNoGapNoDuplicate(events: RecordedEvent[], expectedTypes: string[]): void {
    expect(events.map((e) => e.type)).toEqual(expectedTypes);
    for (let i = 1; i < events.length; i++) expect(events[i]!.position).toBeGreaterThan(events[i - 1]!.position);
  }

  it('a live subscription continues after the server restarts, with no gap and no duplicate', async () => {
    const stream = `reconnect-${randomUUID()}`;
    await store.appendToStream(stream, [event('Before1'), event('Before2')]);
    const subscription = store.subscribeToAll({ filter: { streamNamePrefixes: [stream] } });
    const iterator = subscription[Symbol.asyncIterator]();
    const before = await take(iterator, 2);
    expect((await iterator.next()).value).toMatchObject({ kind: 'caughtUp' });

    await double.stop();
    appendBehindOurBack(stream, ['WhileDown1', 'WhileDown2']);
    // Long enough for the subscription to notice and fail a few resubscriptions.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await double.start();
    await store.appendToStream(stream, [event('After1')]);

    const after = await take(iterator, 3);
    expectNoGapNoDuplicate([...before, ...after], ['Before1', 'Before2', 'WhileDown1', 'WhileDown2', 'After1']);
    expect(double.activity.subscriptions).toBeGreaterThanOrEqual(2);

    await store.appendToStream(stream, [event('Live')]);
    const [live] = await take(iterator, 1);
    expect(live!.type).toBe('Live');
    await subscription.unsubscribe();
    expect((await iterator.next()).done).toBe(true);
  });

  it('a subscription cut off in the middle of catching up resumes where it was', async () => {
    const stream = `catchup-${randomUUID()}`;
    const types = Array.from({ length: 2_000 }, (_, i) => `E${i}`);
    for (let i = 0; i < types.length; i += 250) {
      await store.appendToStream(stream, types.slice(i, i + 250).map((type) => event(type)));
    }
    const subscription = store.subscribeToAll({ filter: { streamNamePrefixes: [stream] } });
    const iterator = subscription[Symbol.asyncIterator]();
    const first = await take(iterator, 500);

    const subscriptionsBefore = double.activity.subscriptions;
    await double.restart();
    const rest = await take(iterator, 1_500);
    expectNoGapNoDuplicate([...first, ...rest], types);
    expect(double.activity.subscriptions).toBe(subscriptionsBefore + 1);
    await subscription.unsubscribe();
  });

  it('appends work again once the server is back', async () => {
    const stream = `append-${randomUUID()}`;
    await store.appendToStream(stream, [event('A')]);
    await double.restart();
    const result = await store.appendToStream(stream, [event('B')], { expectedRevision: 0 });
    expect(result.nextRevision).toBe(1);

    await double.stop();
    await expect(store.appendToStream(stream, [event('C')])).rejects.toBeInstanceOf(EventStoreUnavailable);
    await double.start();
    await store.appendToStream(stream, [event('C')], { expectedRevision: 1 });
    expect((await store.readStream(stream)).events.map((e) => e.type)).toEqual(['A', 'B', 'C']);
  });

  it('ping rejects with EventStoreUnavailable while the server is away and resolves when it is back', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    await double.stop();
    await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readStream('anything')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await double.start();
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('reads work once the server is back even if the very first one found it away', async () => {
    // The client's native reader never recovers from a failed first connection; the adapter replaces it.
    await double.stop();
    const fresh = createKurrentDbEventStore(double.connectionString);
    try {
      await expect(fresh.readStream('anything')).rejects.toBeInstanceOf(EventStoreUnavailable);
      await double.start();
      expect(await fresh.readStream('anything')).toEqual({ streamExists: false, events: [] });
      await expect(fresh.headPosition()).resolves.toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('the iterator throws EventStoreUnavailable when the server stays away longer than reconnectForMs', async () => {
    const impatient = createKurrentDbEventStore(double.connectionString, { reconnectForMs: 300 });
    try {
      const subscription = impatient.subscribeToAll();
      const iterator = subscription[Symbol.asyncIterator]();
      while ((await iterator.next()).value?.kind !== 'caughtUp');
      await double.stop();
      const startedWaiting = Date.now();
      await expect(iterator.next()).rejects.toBeInstanceOf(EventStoreUnavailable);
      expect(Date.now() - startedWaiting).toBeLessThan(5_000);
      await expect(iterator.next()).rejects.toBeInstanceOf(EventStoreUnavailable);
    } finally {
      await impatient.close();
    }
  });

  it('unsubscribe during an outage ends the iteration cleanly', async () => {
    const subscription = store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    while ((await iterator.next()).value?.kind !== 'caughtUp');
    await double.stop();
    const pending = iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await subscription.unsubscribe();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });
});
