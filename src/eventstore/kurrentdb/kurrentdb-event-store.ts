import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendStreamState,
  type EventData,
  type JSONType,
} from '@kurrent/kurrentdb-client';
import type {
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  ReadStreamResult,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.js';
import { EventStoreUnavailable, WrongExpectedVersion } from '../errors.js';
import { KurrentDbAllSubscription } from './all-subscription.js';
import { toStoreError } from './client-errors.js';
import { retryOnConnectionFailure } from './connection-retry.js';
import { logPosition, readAllAfter, readHeadPosition } from './global-log-reads.js';
import { KurrentDbClients } from './kurrentdb-clients.js';
import { positionOf, toRecordedEvent } from './recorded-event.js';

export interface KurrentDbEventStoreOptions {
  /** How long a subscription keeps resubscribing after its connection drops before its iterator throws. Default 30 s. */
  reconnectForMs?: number;
  /** Events a subscription holds in memory ahead of its consumer. Default 256. */
  subscriptionBufferSize?: number;
  /** Events per request when reading `$all`. Default 500. */
  readAllPageSize?: number;
  /** How long `ping()` waits for an answer. Default 5 s. */
  pingTimeoutMs?: number;
  /**
   * How long an append is retried after connection failures (a connection the
   * server dropped is only noticed when used) before it rejects. Default 2 s.
   */
  appendRetryForMs?: number;
}

export function createKurrentDbEventStore(connectionString: string, options?: KurrentDbEventStoreOptions): EventStore {
  return new KurrentDbEventStore(connectionString, options);
}

export class KurrentDbEventStore implements EventStore {
  readonly kind = 'kurrentdb';
  private readonly clients: KurrentDbClients;
  private readonly subscriptions = new Set<KurrentDbAllSubscription>();
  private readonly reconnectForMs: number;
  private readonly subscriptionBufferSize: number;
  private readonly readAllPageSize: number;
  private readonly pingTimeoutMs: number;
  private readonly appendRetryForMs: number;
  private closed = false;

  constructor(connectionString: string, options: KurrentDbEventStoreOptions = {}) {
    this.clients = new KurrentDbClients(connectionString);
    this.reconnectForMs = options.reconnectForMs ?? 30_000;
    this.subscriptionBufferSize = options.subscriptionBufferSize ?? 256;
    this.readAllPageSize = options.readAllPageSize ?? 500;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5_000;
    this.appendRetryForMs = options.appendRetryForMs ?? 2_000;
  }

  async appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new RangeError('appendToStream needs at least one event');
    const expected = options?.expectedRevision ?? 'any';
    const eventData = events.map(toEventData);
    let result;
    try {
      result = await retryOnConnectionFailure(
        () => this.clients.writer.appendToStream(streamName, eventData, { streamState: toStreamState(expected) }),
        this.appendRetryForMs,
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualState;
        throw new WrongExpectedVersion(streamName, expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
      }
      throw toStoreError(error, `appending to ${streamName}`);
    }

    const nextRevision = Number(result.nextExpectedRevision);
    // KurrentDB reports no position when the append was a retry it recognised by the event ids.
    const position = result.position ? Number(result.position.commit) : await this.positionOfRevision(streamName, nextRevision);
    return { nextRevision, position };
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<ReadStreamResult> {
    this.assertOpen();
    const backwards = options?.direction === 'backwards';
    const maxCount = options?.maxCount ?? Number.MAX_SAFE_INTEGER;
    const events: RecordedEvent[] = [];
    try {
      const read = this.clients.read(`reading ${streamName}`, (reader) =>
        reader.readStream(streamName, {
          direction: backwards ? BACKWARDS : FORWARDS,
          fromRevision: options?.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
          // The existence of the stream is only learnt by reading, so even "none" reads one.
          maxCount: Math.max(1, maxCount),
        }),
      );
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event && events.length < maxCount) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { streamExists: false, events: [] };
      throw error;
    }
    return { streamExists: true, events };
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    return readAllAfter(this.clients, { ...options, pageSize: this.readAllPageSize });
  }

  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription {
    this.assertOpen();
    const subscription = new KurrentDbAllSubscription(
      {
        subscribe: (position, filter, bufferSize) =>
          this.clients.writer.subscribeToAll({ fromPosition: logPosition(position), filter }, { highWaterMark: bufferSize }),
        headPosition: () => this.headPosition(),
      },
      options?.afterPosition,
      options?.filter,
      { reconnectForMs: this.reconnectForMs, bufferSize: this.subscriptionBufferSize },
      (finished) => this.subscriptions.delete(finished),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return readHeadPosition(this.clients);
  }

  /** A one-event read of `$all`: it goes through the same native reader every other read uses. */
  async ping(): Promise<void> {
    this.assertOpen();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new EventStoreUnavailable(`KurrentDB did not answer within ${this.pingTimeoutMs} ms`)),
        this.pingTimeoutMs,
      );
    });
    const answer = (async () => {
      const read = this.clients.read('ping', (reader) =>
        reader.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }),
      );
      for await (const _ of read) break;
    })();
    try {
      await Promise.race([answer, timeout]);
    } catch (error) {
      throw error instanceof EventStoreUnavailable
        ? error
        : new EventStoreUnavailable('KurrentDB does not answer', { cause: error });
    } finally {
      clearTimeout(timer);
      answer.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.abandon()));
    await this.clients.close();
  }

  private async positionOfRevision(streamName: string, revision: number): Promise<number> {
    const read = this.clients.read(`reading ${streamName}`, (reader) =>
      reader.readStream(streamName, { direction: FORWARDS, fromRevision: BigInt(revision), maxCount: 1 }),
    );
    for await (const resolved of read) return positionOf(resolved);
    throw new Error(`KurrentDB reported revision ${revision} of ${streamName}, which cannot be read back`);
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('The event store is closed');
  }
}

function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

function toEventData(event: NewEvent): EventData {
  return jsonEvent({
    id: event.id,
    type: event.type,
    // The client's JSON type is narrower than JSON (no top-level numbers, booleans or null); it serialises any of them.
    data: event.data as JSONType,
    metadata: event.metadata ?? {},
  });
}
