import type { EventLog, LoggedEvent } from './event-log.js';
import type { ReadRespMessage } from './protocol.js';
import type { ReadPlan } from './read-request.js';
import { caughtUpResponse, checkpointResponse, confirmationResponse, eventResponse } from './read-responses.js';
import type { ResponseWriter } from './response-writer.js';

/**
 * A catch-up subscription: confirmation, the matching events already in the
 * log, one caught-up message, then live events as they are appended.
 *
 * A single cursor walks the global log for both phases, so the hand-over from
 * catch-up to live can neither skip nor repeat an event, and a slow client
 * just leaves the cursor behind (the log is the buffer) rather than filling
 * memory. Real KurrentDB may instead drop back to catch-up (`FellBehind`);
 * the double never needs to.
 */
export async function serveSubscription(
  log: EventLog,
  plan: ReadPlan,
  writer: ResponseWriter<ReadRespMessage>,
  onEventSent: () => void,
): Promise<void> {
  if (!(await writer.write(confirmationResponse()))) return;

  const { cursor: start, belongs } = startingPoint(log, plan);
  let cursor = start;
  let scannedSinceCheckpoint = 0;
  let lastDelivered: LoggedEvent | undefined;
  let caughtUp = false;

  while (writer.open) {
    while (cursor < log.length) {
      const event = log.at(cursor++)!;
      if (belongs(event)) {
        lastDelivered = event;
        if (!(await writer.write(eventResponse(event, plan.uuidFormat)))) return;
        onEventSent();
      } else if (plan.checkpointInterval && ++scannedSinceCheckpoint >= plan.checkpointInterval) {
        scannedSinceCheckpoint = 0;
        if (!(await writer.write(checkpointResponse(event.position)))) return;
      }
    }

    if (!caughtUp) {
      caughtUp = true;
      const lastScanned = cursor > 0 ? log.at(cursor - 1) : undefined;
      const at =
        plan.source.kind === 'all'
          ? lastScanned && { position: lastScanned.position }
          : lastDelivered && { revision: lastDelivered.revision };
      if (!(await writer.write(caughtUpResponse(at)))) return;
    }

    // Checked again right before waiting: an append during the await above must not be missed.
    if (cursor >= log.length) await writer.waitFor((wake) => log.onAppend(wake));
  }
}

/** Subscriptions start strictly after the requested revision or position. */
function startingPoint(log: EventLog, plan: ReadPlan): { cursor: number; belongs: (event: LoggedEvent) => boolean } {
  const { source } = plan;
  if (source.kind === 'all') {
    const cursor = source.from === 'start' ? 0 : source.from === 'end' ? log.length : log.indexAtOrAfter(source.from + 1);
    return { cursor, belongs: plan.filter ?? (() => true) };
  }

  const { streamName } = source;
  const existing = log.stream(streamName) ?? [];
  const after = source.from === 'start' ? -1 : source.from === 'end' ? existing.length - 1 : source.from;
  const from = existing[after + 1];
  return {
    cursor: from ? log.indexAtOrAfter(from.position) : source.from === 'end' ? log.length : 0,
    belongs: (event) => event.streamName === streamName && event.revision > after,
  };
}
