import type { EventMetadata, JsonValue, RecordedEvent } from '../event-store.js';

/** The fields this adapter uses of the client's recorded events, whichever read path they came from. */
export interface ClientRecordedEvent {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  created: Date;
  isJson: boolean;
  data: unknown;
  metadata: unknown;
  position?: { commit: bigint };
}

export interface ClientResolvedEvent {
  event?: ClientRecordedEvent;
  commitPosition?: bigint;
}

/** KurrentDB's own events (settings, metadata, statistics, projections) have types starting with `$`. */
export function isSystemEventType(type: string): boolean {
  return type.startsWith('$');
}

/** The event's position in the global log: its commit position. */
export function positionOf(resolved: ClientResolvedEvent): number {
  const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
  // Servers before 22.6 leave the position out of stream reads (or send 2^64-1); positions are part of the port.
  if (commit === undefined || commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`KurrentDB sent no usable log position for event ${resolved.event?.id}; servers before 22.6 are not supported`);
  }
  return Number(commit);
}

/** Links (resolved or not) are not something hookgate writes, so an entry without an event is skipped. */
export function toRecordedEvent(resolved: ClientResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  return {
    id: event.id,
    type: event.type,
    data: event.isJson ? (event.data as JsonValue) : decodeBinary(event.data),
    metadata: isPlainObject(event.metadata) ? (event.metadata as EventMetadata) : {},
    streamName: event.streamId,
    revision: Number(event.revision),
    position: positionOf(resolved),
    createdAt: wholeSeconds(event.created),
  };
}

/**
 * Reads (done by the client's native reader) only carry the creation time to
 * the second, subscriptions carry milliseconds; truncating both keeps an
 * event's `createdAt` the same whichever way it was read.
 */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Events written by other tools without the JSON content type: JSON if it parses, else the text. */
function decodeBinary(data: unknown): JsonValue {
  if (!(data instanceof Uint8Array)) return null;
  const text = Buffer.from(data).toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
