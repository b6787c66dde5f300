import type { ExpectedRevision } from './event-store.js';

/** The stream was not in the state the writer expected; nothing was appended. */
export class WrongExpectedVersion extends Error {
  override readonly name = 'WrongExpectedVersion';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or `'no_stream'`. */
    readonly actual: number | 'no_stream',
  ) {
    super(`Stream ${streamName}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** The store could not be reached, or a subscription to it dropped. */
export class EventStoreUnavailable extends Error {
  override readonly name = 'EventStoreUnavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An event id that is already stored in another place was appended again. */
export class DuplicateEventId extends Error {
  override readonly name = 'DuplicateEventId';
  constructor(readonly eventId: string, readonly streamName: string) {
    super(`Event ${eventId} already exists and cannot be appended to ${streamName}`);
  }
}
