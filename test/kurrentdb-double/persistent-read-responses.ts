/**
 * PersistentSubscriptions.Read responses as KurrentDB sends them: the event
 * carries its commit position and, always, its retry count.
 */
import type { LoggedEvent } from './event-log.js';
import { PersistentReadResp, type PersistentReadRespMessage } from './protocol.js';
import { withEventFields } from './read-responses.js';

export function persistentEventResponse(
  event: LoggedEvent,
  retryCount: number,
  uuidFormat: 'string' | 'structured',
): PersistentReadRespMessage {
  const recorded = withEventFields(new PersistentReadResp.ReadEvent.RecordedEvent(), event, uuidFormat);
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
