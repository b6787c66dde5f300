import type { LoggedEvent } from './event-log.js';
import { eventFilter, InvalidFilter } from './event-filter.js';
import { ReadReq, type FilterOptionsMessage, type ReadReqMessage } from './protocol.js';

export type ReadSource =
  | { kind: 'stream'; streamName: string; from: 'start' | 'end' | number }
  | { kind: 'all'; from: 'start' | 'end' | number };

/** A Streams.Read request reduced to what the double acts on. */
export interface ReadPlan {
  source: ReadSource;
  direction: 'forwards' | 'backwards';
  /** A plain read returns at most `count` events; a subscription never ends by itself. */
  mode: { kind: 'read'; count: number } | { kind: 'subscription' };
  /** `$all` only. */
  filter: ((event: LoggedEvent) => boolean) | undefined;
  /** Filtered `$all` subscriptions report progress every this many scanned events. */
  checkpointInterval: number | undefined;
  uuidFormat: 'string' | 'structured';
}

export class InvalidReadRequest extends Error {}

/** KurrentDB's default max search window when the client asks for the `count` window. */
const DEFAULT_SEARCH_WINDOW = 32;

const { StreamOptionCase, CountOptionCase, FilterOptionCase, ReadDirection } = ReadReq.Options;
const { RevisionOptionCase } = ReadReq.Options.StreamOptions;
const { AllOptionCase } = ReadReq.Options.AllOptions;
const { WindowCase } = ReadReq.Options.FilterOptions;

export function parseReadRequest(request: ReadReqMessage): ReadPlan {
  const options = request.getOptions();
  if (!options) throw new InvalidReadRequest('ReadReq without options');

  const mode = (() => {
    switch (options.getCountOptionCase()) {
      case CountOptionCase.COUNT:
        return { kind: 'read' as const, count: Number(options.getCount()) };
      case CountOptionCase.SUBSCRIPTION:
        return { kind: 'subscription' as const };
      default:
        throw new InvalidReadRequest('ReadReq without count or subscription');
    }
  })();

  const filterOptions = options.getFilterOptionCase() === FilterOptionCase.FILTER ? options.getFilter() : undefined;
  const source = parseSource(options);
  if (filterOptions && source.kind === 'stream') throw new InvalidReadRequest('Filters only apply to $all');

  return {
    source,
    direction: options.getReadDirection() === ReadDirection.BACKWARDS ? 'backwards' : 'forwards',
    mode,
    filter: filterOptions ? parseFilter(filterOptions) : undefined,
    checkpointInterval: filterOptions ? checkpointInterval(filterOptions) : undefined,
    uuidFormat: options.getUuidOption()?.hasStructured() ? 'structured' : 'string',
  };
}

function parseSource(options: InstanceType<typeof ReadReq.Options>): ReadSource {
  switch (options.getStreamOptionCase()) {
    case StreamOptionCase.STREAM: {
      const stream = options.getStream()!;
      const identifier = stream.getStreamIdentifier();
      if (!identifier) throw new InvalidReadRequest('Stream read without a stream identifier');
      const streamName = Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
      switch (stream.getRevisionOptionCase()) {
        case RevisionOptionCase.START:
          return { kind: 'stream', streamName, from: 'start' };
        case RevisionOptionCase.END:
          return { kind: 'stream', streamName, from: 'end' };
        case RevisionOptionCase.REVISION:
          return { kind: 'stream', streamName, from: Number(stream.getRevision()) };
        default:
          throw new InvalidReadRequest('Stream read without a revision option');
      }
    }
    case StreamOptionCase.ALL: {
      const all = options.getAll()!;
      switch (all.getAllOptionCase()) {
        case AllOptionCase.START:
          return { kind: 'all', from: 'start' };
        case AllOptionCase.END:
          return { kind: 'all', from: 'end' };
        case AllOptionCase.POSITION: {
          const position = all.getPosition()!;
          if (position.getCommitPosition() !== position.getPreparePosition()) {
            // Every event in the double has commit == prepare, so anything else cannot point at a record.
            throw new InvalidReadRequest(
              `Invalid position ${position.getCommitPosition()}/${position.getPreparePosition()}: commit and prepare must be equal`,
            );
          }
          return { kind: 'all', from: Number(position.getCommitPosition()) };
        }
        default:
          throw new InvalidReadRequest('$all read without a position option');
      }
    }
    default:
      throw new InvalidReadRequest('ReadReq without a stream option');
  }
}

function parseFilter(filter: FilterOptionsMessage): (event: LoggedEvent) => boolean {
  try {
    return eventFilter(filter);
  } catch (error) {
    if (error instanceof InvalidFilter) throw new InvalidReadRequest(error.message);
    throw error;
  }
}

function checkpointInterval(filter: FilterOptionsMessage): number {
  const window = filter.getWindowCase() === WindowCase.MAX ? filter.getMax() : DEFAULT_SEARCH_WINDOW;
  return Math.max(1, filter.getCheckpointintervalmultiplier()) * window;
}
