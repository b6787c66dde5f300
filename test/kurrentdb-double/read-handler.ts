import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { DoubleActivity } from './double-activity.js';
import type { EventLog, LoggedEvent } from './event-log.js';
import type { ReadReqMessage, ReadRespMessage } from './protocol.js';
import { InvalidReadRequest, parseReadRequest, type ReadPlan } from './read-request.js';
import { eventResponse, streamNotFoundResponse } from './read-responses.js';
import { ResponseWriter } from './response-writer.js';
import { serveSubscription } from './subscription.js';

/** Streams.Read: plain reads of a stream or `$all`, and catch-up subscriptions. */
export function createReadHandler(log: EventLog, activity: DoubleActivity, serverStopped: AbortSignal) {
  return (call: ServerWritableStream<ReadReqMessage, ReadRespMessage>): void => {
    const writer = new ResponseWriter(call, serverStopped);
    serveRead(log, activity, call.request, writer).catch((error: unknown) => {
      writer.fail(status.INTERNAL, `KurrentDB double: ${String(error)}`);
    });
  };
}

async function serveRead(
  log: EventLog,
  activity: DoubleActivity,
  request: ReadReqMessage,
  writer: ResponseWriter<ReadRespMessage>,
): Promise<void> {
  let plan: ReadPlan;
  try {
    plan = parseReadRequest(request);
  } catch (error) {
    if (!(error instanceof InvalidReadRequest)) throw error;
    writer.fail(status.INVALID_ARGUMENT, error.message);
    return;
  }

  if (plan.mode.kind === 'subscription') {
    activity.subscriptions += 1;
    return serveSubscription(log, plan, writer, () => (activity.subscriptionEventsSent += 1));
  }
  activity.reads += 1;

  if (plan.source.kind === 'stream' && !log.stream(plan.source.streamName)) {
    // KurrentDB answers a read of a missing stream with a message, not a gRPC error.
    await writer.write(streamNotFoundResponse(plan.source.streamName));
    writer.end();
    return;
  }

  let remaining = plan.mode.count;
  for (const event of selectEvents(log, plan)) {
    if (remaining <= 0) break;
    remaining -= 1;
    if (!(await writer.write(eventResponse(event, plan.uuidFormat)))) return;
  }
  writer.end();
}

/** Lazily, so events appended while a forward read is being sent are included, as they would be by KurrentDB. */
function* selectEvents(log: EventLog, plan: ReadPlan): Generator<LoggedEvent> {
  const { source, direction } = plan;
  if (source.kind === 'stream') {
    const events = log.stream(source.streamName) ?? [];
    if (direction === 'forwards') {
      const start = source.from === 'start' ? 0 : source.from === 'end' ? events.length : source.from;
      for (let i = start; i < events.length; i++) yield events[i]!;
    } else {
      const last = events.length - 1;
      const start = source.from === 'end' ? last : source.from === 'start' ? -1 : Math.min(source.from, last);
      for (let i = start; i >= 0; i--) yield events[i]!;
    }
    return;
  }

  const keep = plan.filter ?? (() => true);
  if (direction === 'forwards') {
    const start = source.from === 'start' ? 0 : source.from === 'end' ? log.length : log.indexAtOrAfter(source.from);
    for (let i = start; i < log.length; i++) {
      const event = log.at(i)!;
      if (keep(event)) yield event;
    }
  } else {
    // Backwards from a position yields what lies strictly before it.
    const start = source.from === 'end' ? log.length - 1 : source.from === 'start' ? -1 : log.indexAtOrAfter(source.from) - 1;
    for (let i = start; i >= 0; i--) {
      const event = log.at(i)!;
      if (keep(event)) yield event;
    }
  }
}
