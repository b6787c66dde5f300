import type { TriggerRunView } from '../../../projections/triggers/trigger-queries.js';
import { isTriggerFired, type TriggerFired } from '../../domain/trigger/trigger-events.js';
import type { EventStore, RecordedEvent } from '../../eventstore/event-store.js';
import { TRIGGER_STREAM_PREFIX, triggerStream } from '../../streams/stream-names.js';
import { perEvent } from './per-event.js';

/** A call of one of the tenant's inbound triggers (`POST /hooks/<triggerId>` accepted). */
export const isTriggerRun = (event: RecordedEvent): boolean =>
  isTriggerFired(event) && event.streamName.startsWith(TRIGGER_STREAM_PREFIX);

/** The run as `triggerRuns` lists it, straight from its event (the event carries everything). */
export const triggerRunOf = perEvent((event: RecordedEvent): TriggerRunView => {
  const { data } = event as unknown as TriggerFired;
  return {
    runId: data.runId,
    triggerId: data.triggerId,
    position: event.position,
    receivedAt: data.receivedAt,
    contentType: data.contentType,
    bodyEncoding: data.bodyEncoding,
    body: data.body,
    bodyBytes: data.bodyBytes,
    headers: data.headers,
    forwardAsEventType: data.forwardAsEventType,
    forwardedMessageId: null,
  };
});

/** Whether the trigger exists and belongs to the tenant (read from its stream, the source of truth). */
export async function triggerBelongsTo(store: EventStore, tenantId: string, triggerId: string): Promise<boolean> {
  const { events } = await store.readStream(triggerStream(triggerId), { maxCount: 1 });
  return (events[0]?.data as { tenantId?: string } | undefined)?.tenantId === tenantId;
}
