import { randomUUID } from 'node:crypto';
import type {
  EventMetadata,
  EventStore,
  NewEvent,
  RecordedEvent,
  SubscriptionMessage,
} from '../../src/eventstore/event-store.js';
import {
  createKurrentDbEventStore,
  type KurrentDbEventStoreOptions,
} from '../../src/eventstore/kurrentdb/kurrentdb-event-store.js';
import { startKurrentDbDouble, type KurrentDbDouble } from '../kurrentdb-double/kurrentdb-double.js';

/** The in-process KurrentDB double with the adapter connected to it: what the KurrentDB adapter tests run against. */
export interface DoubleWithStore {
  double: KurrentDbDouble;
  store: EventStore;
  /** Closes the store, then stops the double. */
  stop(): Promise<void>;
}

export async function startDoubleWithStore(options?: KurrentDbEventStoreOptions): Promise<DoubleWithStore> {
  const double = await startKurrentDbDouble();
  const store = createKurrentDbEventStore(double.connectionString, options);
  return {
    double,
    store,
    stop: async () => {
      await store.close();
      await double.stop();
    },
  };
}

export function newEvent(
  type: string,
  data: Record<string, unknown> = {},
  metadata: EventMetadata = { actor: 'system' },
): NewEvent {
  return { id: randomUUID(), type, data: data as NewEvent['data'], metadata };
}

/**
 * Writes straight into the double's log, past the adapter: events another
 * client got in (for instance while ours was cut off), or KurrentDB's own `$`
 * events (statistics, settings, projections), which it writes at any time.
 */
export function appendToDoubleLog(double: KurrentDbDouble, streamName: string, types: string[]): void {
  double.log.append(
    streamName,
    { kind: 'any' },
    types.map((type) => ({
      id: randomUUID(),
      type,
      contentType: 'application/json',
      data: Buffer.from('{}'),
      customMetadata: Buffer.from('{}'),
    })),
  );
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The next event of a subscription, passing over its other messages. */
export async function nextEvent(iterator: AsyncIterator<SubscriptionMessage>): Promise<RecordedEvent> {
  const [event] = await takeEvents(iterator, 1);
  return event!;
}

export async function takeEvents(iterator: AsyncIterator<SubscriptionMessage>, count: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) throw new Error(`subscription ended after ${out.length} events`);
    if (next.value.kind === 'event') out.push(next.value.event);
  }
  return out;
}
