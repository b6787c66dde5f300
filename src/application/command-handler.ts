import { randomUUID } from 'node:crypto';
import type { Decider, Event } from '../domain/decider.js';
import type { AppendResult, EventMetadata, EventStore, JsonValue } from '../eventstore/event-store.js';
import { WrongExpectedVersion } from '../eventstore/errors.js';
import { ConflictError } from './errors.js';

export interface HandleOptions<S> {
  /** The stream revision the caller last saw; a stale one is a conflict and changes nothing. */
  expectedVersion?: number | undefined;
  metadata: EventMetadata;
  /** Runs on the folded state before anything else, e.g. to hide another tenant's stream. */
  authorize?: (state: S) => void;
  /**
   * The caller named a stream that should not exist yet (e.g. a fresh id): decide on the initial state
   * without reading it first. Should it exist after all, the append fails and the command is decided again
   * on what was read, as after any race.
   */
  expectNoStream?: boolean;
}

export interface Handled<E, S> {
  events: E[];
  state: S;
  /** Stream revision after the command; -1 for a stream that still does not exist. */
  version: number;
  /** Undefined when the command decided no events. */
  appended: AppendResult | undefined;
}

const NO_STREAM = { streamExists: false, events: [] } as const;

/** Without an expectedVersion, a command that lost a race is decided again on the new state. */
const RETRIES_ON_RACE = 3;

/**
 * Loads a stream, folds it, decides, and appends with optimistic concurrency:
 * the append expects exactly the revision that was folded.
 */
export async function handleCommand<C, E extends Event<string, unknown>, S>(
  store: EventStore,
  streamName: string,
  decider: Decider<C, E, S>,
  command: C,
  options: HandleOptions<S>,
): Promise<Handled<E, S>> {
  for (let attempt = 0; ; attempt++) {
    const read = attempt === 0 && options.expectNoStream ? NO_STREAM : await store.readStream(streamName);
    let state = decider.initialState();
    for (const recorded of read.events) state = decider.evolve(state, { type: recorded.type, data: recorded.data } as E);
    const revision = read.streamExists ? read.events[read.events.length - 1]!.revision : -1;
    options.authorize?.(state);

    if (options.expectedVersion !== undefined && options.expectedVersion !== revision) {
      throw new ConflictError(
        `expectedVersion ${options.expectedVersion} is stale: the current version is ${revision}`,
        revision < 0 ? null : revision,
      );
    }

    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, version: revision, appended: undefined };

    try {
      const appended = await store.appendToStream(
        streamName,
        events.map((event) => ({
          id: randomUUID(),
          type: event.type,
          data: event.data as JsonValue,
          metadata: options.metadata,
        })),
        { expectedRevision: revision < 0 ? 'no_stream' : revision },
      );
      for (const event of events) state = decider.evolve(state, event);
      return { events, state, version: appended.nextRevision, appended };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
      const actual = error.actual === 'no_stream' ? null : error.actual;
      if (options.expectedVersion !== undefined || attempt >= RETRIES_ON_RACE) {
        throw new ConflictError(`It changed concurrently: its version is now ${String(actual)}`, actual);
      }
    }
  }
}
