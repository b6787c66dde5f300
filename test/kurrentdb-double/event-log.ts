/**
 * The double's storage: one in-memory transaction log shared by every stream,
 * with KurrentDB's append rules (expected state, idempotent retries by event id).
 * It outlives the gRPC server so a "restarted" server still has its data.
 */

export interface LoggedEvent {
  streamName: string;
  revision: number;
  /** Lower-case uuid. */
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  /** Log position; commit and prepare positions are equal, as for KurrentDB's implicit transactions. */
  position: number;
  /** .NET ticks (100 ns) since the Unix epoch, as KurrentDB sends them in the `created` metadata. */
  createdTicks: bigint;
}

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export type ExpectedState =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: number };

export type AppendOutcome =
  | { kind: 'written'; lastRevision: number; position: number }
  /** A retry of an append that already happened: nothing written, and like KurrentDB no position is reported. */
  | { kind: 'idempotent'; lastRevision: number | undefined }
  | { kind: 'wrong_expected_version'; currentRevision: number | undefined };

/** Fixed bytes of a prepare record around its variable parts; only used to make positions look like byte offsets. */
const RECORD_OVERHEAD = 88;
const TICKS_PER_MILLISECOND = 10_000n;

export class EventLog {
  private readonly log: LoggedEvent[] = [];
  private readonly streams = new Map<string, LoggedEvent[]>();
  private readonly byStreamAndId = new Map<string, LoggedEvent>();
  private readonly listeners = new Set<() => void>();
  private nextPosition: number;

  constructor(firstPosition = 0) {
    this.nextPosition = firstPosition;
  }

  get length(): number {
    return this.log.length;
  }

  at(index: number): LoggedEvent | undefined {
    return this.log[index];
  }

  stream(streamName: string): readonly LoggedEvent[] | undefined {
    return this.streams.get(streamName);
  }

  /** Index of the first event whose position is at least `position`. */
  indexAtOrAfter(position: number): number {
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.log[middle]!.position < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Called after every append that wrote something. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(streamName: string, expected: ExpectedState, proposed: ProposedEvent[]): AppendOutcome {
    const stream = this.streams.get(streamName);
    const current = stream ? stream.length - 1 : undefined;

    const retried = this.retriedAppend(streamName, stream, expected, proposed);
    if (retried) return retried;

    if (!matches(expected, current)) return { kind: 'wrong_expected_version', currentRevision: current };
    if (proposed.length === 0) return { kind: 'idempotent', lastRevision: current };

    const events = stream ?? [];
    if (!stream) this.streams.set(streamName, events);
    const createdTicks = BigInt(Date.now()) * TICKS_PER_MILLISECOND;
    let last: LoggedEvent | undefined;
    for (const event of proposed) {
      last = { ...event, streamName, revision: events.length, position: this.nextPosition, createdTicks };
      this.nextPosition += RECORD_OVERHEAD + byteLength(streamName) + byteLength(event.type) + event.data.length + event.customMetadata.length;
      events.push(last);
      this.log.push(last);
      this.byStreamAndId.set(idKey(streamName, event.id), last);
    }
    for (const listener of [...this.listeners]) listener();
    return { kind: 'written', lastRevision: last!.revision, position: last!.position };
  }

  /**
   * KurrentDB's commit check for repeated event ids: with an exact expected
   * revision the ids must sit right after it; with any/stream_exists they are
   * looked up by id. A full match is idempotent, a first-id mismatch is a
   * normal write, anything in between is reported as a wrong expected version.
   */
  private retriedAppend(
    streamName: string,
    stream: LoggedEvent[] | undefined,
    expected: ExpectedState,
    proposed: ProposedEvent[],
  ): AppendOutcome | undefined {
    if (proposed.length === 0 || !stream) return undefined;
    const current = stream.length - 1;

    if (expected.kind === 'revision' || expected.kind === 'no_stream') {
      const after = expected.kind === 'revision' ? expected.revision : -1;
      if (after >= current) return undefined;
      for (let i = 0; i < proposed.length; i++) {
        if (stream[after + 1 + i]?.id !== proposed[i]!.id) {
          return { kind: 'wrong_expected_version', currentRevision: current };
        }
      }
      return { kind: 'idempotent', lastRevision: after + proposed.length };
    }

    const found = proposed.map((event) => this.byStreamAndId.get(idKey(streamName, event.id)));
    if (!found[0]) return undefined;
    const consecutive = found.every((event, i) => event && event.revision === found[0]!.revision + i);
    if (!consecutive) return { kind: 'wrong_expected_version', currentRevision: current };
    return { kind: 'idempotent', lastRevision: found[found.length - 1]!.revision };
  }
}

function matches(expected: ExpectedState, current: number | undefined): boolean {
  switch (expected.kind) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    case 'revision':
      return current === expected.revision;
  }
}

function idKey(streamName: string, id: string): string {
  return `${streamName}\u0000${id}`;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
