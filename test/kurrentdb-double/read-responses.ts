/**
 * ReadResp messages as KurrentDB sends them. The native reader in
 * `@kurrent/bridge` (the Rust client) unwraps `content`, the event's `id` and
 * `stream_identifier` without checks, and takes the type, content type and
 * creation time from the `metadata` map, so every one of those is always set.
 */
import { randomUUID } from 'node:crypto';
import type { LoggedEvent } from './event-log.js';
import {
  Empty,
  PersistentReadResp,
  ReadResp,
  StreamIdentifier,
  Timestamp,
  type ReadRespMessage,
} from './protocol.js';
import { toUuidMessage } from './uuid-message.js';

export function eventResponse(event: LoggedEvent, uuidFormat: 'string' | 'structured'): ReadRespMessage {
  const recorded = withEventFields(new ReadResp.ReadEvent.RecordedEvent(), event, uuidFormat);
  const readEvent = new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(String(event.position));
  return new ReadResp().setEvent(readEvent);
}

/** Streams.Read and PersistentSubscriptions.Read each have their own RecordedEvent class, with the same fields. */
type RecordedEventMessage =
  | InstanceType<typeof ReadResp.ReadEvent.RecordedEvent>
  | InstanceType<typeof PersistentReadResp.ReadEvent.RecordedEvent>;

/** `recorded`, with every field of the event set. */
export function withEventFields<T extends RecordedEventMessage>(
  recorded: T,
  event: LoggedEvent,
  uuidFormat: 'string' | 'structured',
): T {
  recorded
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
  return recorded;
}

export function confirmationResponse(): ReadRespMessage {
  return new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID()));
}

/** `at` is the last event the subscription has seen: a log position for `$all`, a revision for a stream. */
export function caughtUpResponse(at: { position: number } | { revision: number } | undefined): ReadRespMessage {
  const caughtUp = new ReadResp.CaughtUp().setTimestamp(Timestamp.fromDate(new Date()));
  if (at && 'position' in at) caughtUp.setPosition(responsePosition(at.position));
  if (at && 'revision' in at) caughtUp.setStreamRevision(String(at.revision));
  return new ReadResp().setCaughtUp(caughtUp);
}

export function checkpointResponse(position: number): ReadRespMessage {
  const checkpoint = new ReadResp.Checkpoint()
    .setCommitPosition(String(position))
    .setPreparePosition(String(position))
    .setTimestamp(Timestamp.fromDate(new Date()));
  return new ReadResp().setCheckpoint(checkpoint);
}

export function streamNotFoundResponse(streamName: string): ReadRespMessage {
  return new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(streamName)));
}

export function streamIdentifier(streamName: string): InstanceType<typeof StreamIdentifier> {
  return new StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8'));
}

export function emptyMessage(): InstanceType<typeof Empty> {
  return new Empty();
}

function responsePosition(position: number): InstanceType<typeof ReadResp.Position> {
  return new ReadResp.Position().setCommitPosition(String(position)).setPreparePosition(String(position));
}
