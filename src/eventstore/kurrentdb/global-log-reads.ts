import { BACKWARDS, END, excludeSystemEvents, FORWARDS, START, type ReadPosition } from '@kurrent/kurrentdb-client';
import type { AllFilter, RecordedEvent } from '../event-store.js';
import { planAllFilter } from './all-filter.js';
import type { KurrentDbClients } from './kurrentdb-clients.js';
import { isSystemEventType, positionOf, toRecordedEvent } from './recorded-event.js';

/**
 * The port's positions are commit positions. Events appended through gRPC are
 * implicit transactions whose prepare position equals their commit position,
 * so a port position names a record in `$all` exactly.
 */
export function logPosition(position: number): ReadPosition {
  return position <= 0 ? START : { commit: BigInt(position), prepare: BigInt(position) };
}

export interface ReadAllAfterOptions {
  afterPosition?: number;
  maxCount?: number;
  filter?: AllFilter;
  pageSize: number;
}

/**
 * Forward through `$all`, page by page. KurrentDB reads from a position
 * inclusively, and the client-side part of the filter and the skipped system
 * events mean a page can hold fewer wanted events than were asked for, so the
 * pages are sized and stitched here rather than trusting `maxCount` alone.
 */
export async function* readAllAfter(clients: KurrentDbClients, options: ReadAllAfterOptions): AsyncGenerator<RecordedEvent> {
  const filter = planAllFilter(options.filter);
  // At least 2, so that a page always gets past the already-seen event it starts on.
  const pageSize = Math.max(2, options.pageSize);
  let after = options.afterPosition ?? 0;
  let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;

  while (remaining > 0) {
    let received = 0;
    const page = clients.read('reading $all', (reader) =>
      reader.readAll({ fromPosition: logPosition(after), direction: FORWARDS, maxCount: pageSize, filter: filter.server }),
    );
    let pageEnd = after;
    for await (const resolved of page) {
      received += 1;
      const position = positionOf(resolved);
      if (position <= after) continue;
      pageEnd = position;
      const event = toRecordedEvent(resolved);
      if (!event || !filter.keep(event)) continue;
      yield event;
      if (--remaining <= 0) return;
    }
    if (received < pageSize) return;
    after = pageEnd;
  }
}

/** Position of the newest event that is not a `$` system event; 0 when there is none. */
export async function readHeadPosition(clients: KurrentDbClients, pageSize = 32): Promise<number> {
  let before: number | undefined;
  for (;;) {
    let received = 0;
    const from = before;
    const page = clients.read('reading the head of $all', (reader) =>
      reader.readAll({
        fromPosition: from === undefined ? END : logPosition(from),
        direction: BACKWARDS,
        maxCount: pageSize,
        filter: excludeSystemEvents(),
      }),
    );
    for await (const resolved of page) {
      received += 1;
      const position = positionOf(resolved);
      if (from !== undefined && position >= from) continue;
      before = position;
      if (resolved.event && !isSystemEventType(resolved.event.type)) return position;
    }
    // `before <= 0` would turn into "from the start", which the client reads forwards.
    if (received < pageSize || before === from || before === undefined || before <= 0) return 0;
  }
}
