/**
 * PersistentSubscriptions.Read responses as KurrentDB sends them: the event
 * carries its commit position and, always, its retry count.
 */
import type { LoggedEvent } from './event-log.js';
import { PersistentReadResp, type PersistentReadRespMessage } from './protocol.js';
import { streamIdentifier } from './read-responses.js';
import { toUuidMessage } from './uuid-message.js';

export function persistentEventResponse(
  event: LoggedEvent,
  retryCount: number,
  uuidFormat: 'string' | 'structured',
): PersistentReadRespMessage {
  const recorded = new PersistentReadResp.ReadEvent.RecordedEvent()
    .setId(toUuidMessage(event.id, uuidFormat))
    .setStreamIdentifier(streamIdentifier(event.streamName))
    .setStreamRevision(String(event.revision))
    .setPreparePosition(String(event.position))
    .setCommitPosition(String(event.position))
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  recorded
    .getMetadataMap()
    .set('type', event.type)
    .set('content-type', event.contentType)
    .set('created', event.createdTicks.toString());

  const readEvent = new PersistentReadResp.ReadEvent()
    .setEvent(recorded)
    .setCommitPosition(String(event.position))
    .setRetryCount(retryCount);
  return new PersistentReadResp().setEvent(readEvent);
}

/** KurrentDB names a subscription to `$all` `$all::<group>`. */
export function persistentConfirmationResponse(group: string): PersistentReadRespMessage {
  return new PersistentReadResp().setSubscriptionConfirmation(
    new PersistentReadResp.SubscriptionConfirmation().setSubscriptionId(`$all::${group}`),
  );
}
