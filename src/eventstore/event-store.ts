/**
 * The event-store port: everything in hookgate reads and writes events through
 * this interface, whichever adapter (embedded SQLite or KurrentDB) is behind it.
 *
 * Revisions and global positions are plain numbers: both adapters stay far
 * below 2^53, and numbers are what the rest of the code (and GraphQL) handle.
 */

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

/** Who did what and why; carried with every event. */
export interface EventMetadata {
  tenantId?: string;
  /** `admin`, or `key:<apiKeyId>`, or `system`. */
  actor?: string;
  correlationId?: string;
  causationId?: string;
  [key: string]: JsonValue | undefined;
}

/** An event about to be appended. */
export interface NewEvent<Type extends string = string, Data = JsonValue> {
  /** A uuid; appending the same id again with the same expected state is a no-op. */
  id: string;
  type: Type;
  data: Data;
  metadata?: EventMetadata;
}

/**
 * An event as stored. Its data and metadata are read-only: a store may hand the
 * same objects to every reader (the SQLite store does for the latest events, frozen).
 */
export interface RecordedEvent<Type extends string = string, Data = JsonValue> {
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  streamName: string;
  /** 0-based position of the event inside its stream. */
  revision: number;
  /** Position in the global log; strictly increasing, not necessarily dense. */
  position: number;
  createdAt: Date;
}

/**
 * What the writer believes about the stream:
 * `any`, `no_stream` (must not exist), `stream_exists` (must exist),
 * or the exact revision of its last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextRevision: number;
  /** Global position of the last appended event. */
  position: number;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first event (forwards) or the last (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export type ReadStreamResult<E extends RecordedEvent = RecordedEvent> =
  | { streamExists: false; events: [] }
  | { streamExists: true; events: E[] };

export interface AllFilter {
  /** Keep events whose stream name starts with any of these. */
  streamNamePrefixes?: string[];
  /** Keep events whose type starts with any of these. */
  eventTypePrefixes?: string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this global position. Defaults to the start. */
  afterPosition?: number;
  maxCount?: number;
  filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive. `undefined` means from the start; `'end'` means only new events. */
  afterPosition?: number | 'end';
  filter?: AllFilter;
}

export type SubscriptionMessage =
  | { kind: 'event'; event: RecordedEvent }
  /** Sent once when the subscription has read everything that existed when it started. */
  | { kind: 'caughtUp'; position: number };

/**
 * Catch-up then live, in order, never skipping. Iterating pulls messages;
 * the iterator throws when the subscription drops. `unsubscribe()` ends the
 * iteration cleanly.
 */
export interface AllSubscription extends AsyncIterable<SubscriptionMessage> {
  unsubscribe(): Promise<void>;
}

export interface EventStore {
  /** A short name for logs: `sqlite-file`, `sqlite-memory`, `kurrentdb`. */
  readonly kind: string;
  appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  readStream(streamName: string, options?: ReadStreamOptions): Promise<ReadStreamResult>;
  /** Forward read of the global log in order. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;
  /** Position of the last event in the global log, 0 when empty. */
  headPosition(): Promise<number>;
  /** Resolves when the store answers; rejects when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
