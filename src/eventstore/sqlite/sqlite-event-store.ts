import Database from 'better-sqlite3';
import type {
  AllFilter,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  JsonValue,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  ReadStreamResult,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.js';
import { DuplicateEventId, EventStoreUnavailable, WrongExpectedVersion } from '../errors.js';
import { allFilterSql } from './all-filter-sql.js';
import { type BackgroundCheckpoints, startBackgroundCheckpoints } from './background-checkpoints.js';
import { parseFrozen } from './frozen-json.js';
import { EVENT_COLUMNS, type EventRow, INSERT_EVENT_SQL, migrateEventsSchema } from './schema.js';
import { SqliteAllSubscription, type SubscriptionSource } from './sqlite-subscription.js';
import { applyWalPragmas } from './wal-pragmas.js';

export interface SqliteEventStoreOptions {
  /** A file path, or `:memory:` for a store that lives as long as the process. */
  filename: string;
  /**
   * `NORMAL` (default) loses nothing on a process crash or kill -9 in WAL mode;
   * `FULL` also survives a power loss, at the cost of an fsync per append.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How often an idle subscription looks for appends made by another process. */
  pollIntervalMs?: number;
  /** Where failures of the background WAL checkpoints go (background-checkpoints.ts); the store goes on. */
  onCheckpointError?: (error: Error) => void;
}

const READ_BATCH = 1_000;
/** Recent events kept in memory for the subscriptions that follow the head of the log. */
const TAIL_KEEP = 1_024;
/** Appends waiting for the next group commit; beyond this many they are committed at once. */
const MAX_GROUP_COMMIT = 512;

interface PendingAppend {
  stream: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * A row of the tail with its data and metadata once parsed (parseFrozen):
 * each subscription that follows the head reads every event, and they share
 * one parse of it instead of each parsing it again.
 */
type TailRow = [...EventRow, parsedData?: JsonValue, parsedMetadata?: EventMetadata];

/** A row read from the table: the reader's own copy (freezing it would cost read-all ~15% for nothing shared). */
function toRecorded(row: EventRow): RecordedEvent {
  return recorded(row, JSON.parse(row[5]) as JsonValue, JSON.parse(row[6]) as EventMetadata);
}

function tailRecorded(row: TailRow): RecordedEvent {
  if (row.length === 8) row.push(parseFrozen(row[5]) as JsonValue, parseFrozen(row[6]) as EventMetadata);
  return recorded(row, row[8]!, row[9]!);
}

function recorded(row: TailRow, data: JsonValue, metadata: EventMetadata): RecordedEvent {
  return {
    position: row[0],
    streamName: row[1],
    revision: row[2],
    id: row[3],
    type: row[4],
    data,
    metadata,
    createdAt: new Date(row[7]),
  };
}

function describe(filename: string): string {
  return filename === ':memory:' ? 'sqlite-memory' : 'sqlite-file';
}

export class SqliteEventStore implements EventStore, SubscriptionSource {
  readonly kind: string;
  private readonly db: Database.Database;
  private readonly checkpoints: BackgroundCheckpoints;
  private readonly pollIntervalMs: number;
  /** Subscriptions waiting for an append, each with the filter it reads with. */
  private readonly waiters = new Set<AppendWaiter>();
  private isClosed = false;

  private readonly insertEvent: Database.Statement;
  private readonly lastRevisionOf: Database.Statement;
  private readonly eventById: Database.Statement;
  private readonly maxPosition: Database.Statement;
  private readonly filteredReads = new Map<string, Database.Statement>();
  private readonly appendInTransaction: (stream: string, events: NewEvent[], expected: ExpectedRevision) => AppendResult;
  private readonly appendNewInTransaction: (stream: string, events: NewEvent[]) => AppendResult;
  private readonly commitGroup: (group: PendingAppend[]) => (AppendResult | { failed: unknown })[];
  private pending: PendingAppend[] = [];
  /**
   * The latest events this connection appended, as stored, in position order
   * and without gaps: while no other connection has written (`data_version`
   * unchanged), reads after a position inside it are answered from memory.
   */
  private tail: TailRow[] = [];
  /** Rows inserted by the group being committed; they join the tail once it has committed. */
  private written: EventRow[] = [];
  private readonly dataVersion: Database.Statement;
  private seenDataVersion: number;

  constructor(options: SqliteEventStoreOptions) {
    this.kind = describe(options.filename);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.db = new Database(options.filename);
    if (options.filename !== ':memory:') applyWalPragmas(this.db);
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    migrateEventsSchema(this.db);

    this.insertEvent = this.db.prepare(INSERT_EVENT_SQL);
    this.lastRevisionOf = this.db
      .prepare('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1')
      .pluck();
    this.eventById = this.db.prepare('SELECT stream, revision, position FROM events WHERE id = ?').raw();
    this.maxPosition = this.db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck();
    this.dataVersion = this.db.prepare('PRAGMA data_version').pluck();
    this.seenDataVersion = this.dataVersion.get() as number;
    this.appendInTransaction = this.db.transaction((stream, events, expected) => this.appendNow(stream, events, expected));
    this.appendNewInTransaction = this.db.transaction((stream, events) => this.insertAfter(stream, -1, events));
    // Each append runs in its own savepoint (a nested better-sqlite3 transaction): one that fails leaves the others.
    this.commitGroup = this.db.transaction((group: PendingAppend[]) => group.map((append) => this.appendAlone(append)));
    this.checkpoints = startBackgroundCheckpoints(this.db, { onError: options.onCheckpointError });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Group commit: appends made during one turn of the event loop are
   * committed together in one transaction, each in its own savepoint, so that
   * each keeps its own expected-revision check and outcome while many
   * concurrent writers (the delivery worker) share the cost of a commit and
   * wake subscribers once. An append resolves only after its commit.
   */
  appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    if (events.length === 0) return Promise.reject(new RangeError('appendToStream needs at least one event'));
    return new Promise((resolve, reject) => {
      this.pending.push({ stream: streamName, events, expected: options?.expectedRevision ?? 'any', resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flushAppends());
      else if (this.pending.length >= MAX_GROUP_COMMIT) this.flushAppends();
    });
  }

  /** One append in its own transaction (a savepoint inside a group); a failed one leaves no row behind. */
  private appendAlone(append: PendingAppend): AppendResult | { failed: unknown } {
    const mark = this.written.length;
    try {
      if (append.expected === 'no_stream') {
        // A new stream (a delivery's first attempt, a new webhook) is written without looking first: the
        // unique indexes refuse it if the stream or an event id exists, and then the full checks below
        // say why (a conflict, or a retry of an append that was stored).
        try {
          return this.appendNewInTransaction(append.stream, append.events);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          this.written.length = mark;
        }
      }
      return this.appendInTransaction(append.stream, append.events, append.expected);
    } catch (error) {
      this.written.length = mark;
      return { failed: error };
    }
  }

  private flushAppends(): void {
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    let outcomes: (AppendResult | { failed: unknown })[];
    try {
      if (this.isClosed) throw new EventStoreUnavailable('The SQLite event store is closed');
      outcomes = group.length === 1 ? [this.appendAlone(group[0]!)] : this.commitGroup(group);
    } catch (error) {
      this.written = [];
      this.tail = [];
      for (const append of group) append.reject(error);
      return;
    }
    this.extendTail();
    this.wakeSubscribers(group.filter((_, i) => !('failed' in outcomes[i]!)));
    group.forEach((append, i) => {
      const outcome = outcomes[i]!;
      if ('failed' in outcome) append.reject(outcome.failed);
      else append.resolve(outcome);
    });
  }

  private appendNow(stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult {
    const current = this.lastRevisionOf.get(stream) as number | undefined;
    const duplicate = this.eventById.get(events[0]!.id) as [string, number, number] | undefined;
    if (duplicate) return this.repeatOfEarlierAppend(stream, events, expected, current, duplicate);

    if (!revisionMatches(expected, current)) throw new WrongExpectedVersion(stream, expected, current ?? 'no_stream');
    return this.insertAfter(stream, current ?? -1, events);
  }

  /** Inserts `events` as revisions `before + 1` onwards. */
  private insertAfter(stream: string, before: number, events: NewEvent[]): AppendResult {
    let revision = before;
    let position = 0;
    const now = Date.now();
    // The events of one append usually share their metadata object: written out once.
    let metadataOf: EventMetadata | undefined | null = null;
    let metadata = '';
    for (const event of events) {
      revision += 1;
      const data = JSON.stringify(event.data);
      if (event.metadata !== metadataOf) {
        metadataOf = event.metadata;
        metadata = JSON.stringify(metadataOf ?? {});
      }
      const info = this.insertEvent.run(stream, revision, event.id, event.type, data, metadata, now);
      position = Number(info.lastInsertRowid);
      this.written.push([position, stream, revision, event.id, event.type, data, metadata, now]);
    }
    return { nextRevision: revision, position };
  }

  /** An append whose first event is already stored: a retry of a write that succeeded, or a conflict. */
  private repeatOfEarlierAppend(
    stream: string,
    events: NewEvent[],
    expected: ExpectedRevision,
    current: number | undefined,
    [duplicateStream, firstRevision]: [string, number, number],
  ): AppendResult {
    if (duplicateStream !== stream) throw new DuplicateEventId(events[0]!.id, stream);
    const expectedBefore = firstRevision - 1;
    const sameExpectation =
      expected === 'any' ||
      (expected === 'stream_exists' && firstRevision > 0) ||
      (expected === 'no_stream' && firstRevision === 0) ||
      expected === expectedBefore;
    if (!sameExpectation) throw new WrongExpectedVersion(stream, expected, current ?? 'no_stream');

    let last: [string, number, number] | undefined;
    for (let i = 0; i < events.length; i++) {
      last = this.eventById.get(events[i]!.id) as [string, number, number] | undefined;
      if (!last || last[0] !== stream || last[1] !== firstRevision + i) {
        throw new WrongExpectedVersion(stream, expected, current ?? 'no_stream');
      }
    }
    return { nextRevision: last![1], position: last![2] };
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<ReadStreamResult> {
    this.assertOpen();
    const backwards = options?.direction === 'backwards';
    const from = options?.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    const limit = options?.maxCount ?? -1;
    const sql = backwards
      ? `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`
      : `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`;
    const rows = this.statement(sql).all(streamName, from, limit) as EventRow[];
    if (rows.length === 0 && this.lastRevisionOf.get(streamName) === undefined) {
      return { streamExists: false, events: [] };
    }
    return { streamExists: true, events: rows.map(toRecorded) };
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    const filter = options?.filter;
    let after = options?.afterPosition ?? 0;
    let remaining = options?.maxCount ?? Number.POSITIVE_INFINITY;
    // A plain iterator over batches: an async generator would cost a promise hop per event.
    return {
      [Symbol.asyncIterator]: () => {
        let batch: RecordedEvent[] = [];
        let index = 0;
        return {
          next: async (): Promise<IteratorResult<RecordedEvent>> => {
            if (index === batch.length) {
              if (remaining <= 0) return { done: true, value: undefined };
              this.assertOpen();
              batch = this.readBatchAfter(after, Math.min(READ_BATCH, remaining), filter);
              index = 0;
              if (batch.length === 0) return { done: true, value: undefined };
              remaining -= batch.length;
              after = batch[batch.length - 1]!.position;
            }
            return { done: false, value: batch[index++]! };
          },
        };
      },
    };
  }

  readBatchAfter(position: number, limit: number, filter: AllFilter | undefined): RecordedEvent[] {
    if (this.tailHolds(position)) return this.readTailAfter(position, limit, filter);
    const { where, params } = allFilterSql(filter);
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ?${where} ORDER BY position LIMIT ?`;
    const rows = this.statement(sql).all(position, ...params, limit) as EventRow[];
    return rows.map(toRecorded);
  }

  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription {
    this.assertOpen();
    const after = options?.afterPosition === 'end' ? this.currentHeadPosition() : (options?.afterPosition ?? 0);
    return new SqliteAllSubscription(this, after, options?.filter, this.pollIntervalMs);
  }

  async headPosition(): Promise<number> {
    return this.currentHeadPosition();
  }

  currentHeadPosition(): number {
    this.assertOpen();
    if (this.tail.length > 0 && !this.othersWrote()) return this.tail[this.tail.length - 1]![0];
    return this.maxPosition.get() as number;
  }

  /** After a commit: the group's rows join the tail, which starts again if they do not follow on from it. */
  private extendTail(): void {
    const written = this.written;
    this.written = [];
    if (written.length === 0) return;
    const last = this.tail[this.tail.length - 1];
    if (this.othersWrote() || (last !== undefined && written[0]![0] !== last[0] + 1)) this.tail = [];
    for (const row of written) this.tail.push(row);
    if (this.tail.length > 2 * TAIL_KEEP) this.tail = this.tail.slice(-TAIL_KEEP);
  }

  /** Whether another connection (another process) committed since this one last looked; it then forgets its tail. */
  private othersWrote(): boolean {
    const version = this.dataVersion.get() as number;
    if (version === this.seenDataVersion) return false;
    this.seenDataVersion = version;
    this.tail = [];
    return true;
  }

  /** Whether every event after `position` is in the tail. */
  private tailHolds(position: number): boolean {
    const tail = this.tail;
    if (tail.length === 0 || position < tail[0]![0] - 1 || this.othersWrote()) return false;
    // Positions follow on without gaps (each insert takes the next rowid); checked where the read starts.
    const start = position - tail[0]![0] + 1;
    return start >= tail.length || tail[start]![0] === position + 1;
  }

  /** The tail's answer to readBatchAfter: the same rows the SQL would give. */
  private readTailAfter(position: number, limit: number, filter: AllFilter | undefined): RecordedEvent[] {
    const tail = this.tail;
    const events: RecordedEvent[] = [];
    for (let i = position - tail[0]![0] + 1; i < tail.length && events.length < limit; i++) {
      const row = tail[i]!;
      if (rowMatches(filter, row)) events.push(tailRecorded(row));
    }
    return events;
  }

  waitForAppend(pollMs: number, filter?: AllFilter): Promise<void> {
    return new Promise((resolve) => {
      const waiter: AppendWaiter = {
        filter,
        wake: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, pollMs);
      timer.unref();
      this.waiters.add(waiter);
    });
  }

  async ping(): Promise<void> {
    try {
      this.assertOpen();
      this.statement('SELECT 1').get();
    } catch (error) {
      throw new EventStoreUnavailable('The SQLite event store does not answer', { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    // Appends already made are committed, not dropped.
    this.flushAppends();
    this.isClosed = true;
    this.wakeSubscribers();
    await this.checkpoints.stop();
    this.db.close();
  }

  /** Direct access for the read-model store and the benchmark's bare baseline, which share the file. */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * Wakes the subscriptions an append concerns (all of them when the store closes): one whose filter takes
   * none of the appended events would only read and find nothing. It still wakes at its next poll.
   */
  private wakeSubscribers(appended?: readonly { stream: string; events: NewEvent[] }[]): void {
    for (const waiter of [...this.waiters]) {
      if (appended === undefined || appended.some(({ stream, events }) => appendConcerns(waiter.filter, stream, events))) waiter.wake();
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.filteredReads.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (statement.reader && sql.startsWith(`SELECT ${EVENT_COLUMNS}`)) statement.raw();
      this.filteredReads.set(sql, statement);
    }
    return statement;
  }

  private assertOpen(): void {
    if (this.isClosed) throw new EventStoreUnavailable('The event store is closed');
  }
}

interface AppendWaiter {
  filter: AllFilter | undefined;
  wake(): void;
}

/** Whether an append holds an event that a subscription with this filter reads (the filter's SQL, in memory). */
function appendConcerns(filter: AllFilter | undefined, stream: string, events: NewEvent[]): boolean {
  const streams = filter?.streamNamePrefixes;
  const types = filter?.eventTypePrefixes;
  if (streams && streams.length > 0 && !streams.some((prefix) => stream.startsWith(prefix))) return false;
  if (!types || types.length === 0) return true;
  return events.some((event) => types.some((prefix) => event.type.startsWith(prefix)));
}

/** The filter's SQL (allFilterSql), on a row in memory. */
function rowMatches(filter: AllFilter | undefined, row: TailRow): boolean {
  const streams = filter?.streamNamePrefixes;
  const types = filter?.eventTypePrefixes;
  if (streams && streams.length > 0 && !streams.some((prefix) => row[1].startsWith(prefix))) return false;
  return !types || types.length === 0 || types.some((prefix) => row[4].startsWith(prefix));
}

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';

function revisionMatches(expected: ExpectedRevision, current: number | undefined): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    default:
      return current === expected;
  }
}
