import { redactSecrets } from '../../domain/redact.js';
import type { EventStore, JsonValue, RecordedEvent } from '../../eventstore/event-store.js';
import type { EventHub } from '../event-hub.js';
import { Subscriber, type SubscriberTooSlow } from '../subscriber.js';
import { perEvent } from './per-event.js';

/** One event of a tenant's log as its audit trail shows it. */
export interface AuditLogEntry {
  position: number;
  eventId: string;
  type: string;
  stream: string;
  /** Revision of the event inside its stream. */
  version: number;
  at: Date;
  actor: string | null;
  correlationId: string | null;
  /** The event's data with every secret replaced by `[REDACTED]`. */
  data: JsonValue;
}

/** One object per event, shared by every subscriber that gets it. */
export const auditEntryOf = perEvent((event: RecordedEvent): AuditLogEntry => ({
  position: event.position,
  eventId: event.id,
  type: event.type,
  stream: event.streamName,
  version: event.revision,
  at: event.createdAt,
  actor: event.metadata.actor ?? null,
  correlationId: event.metadata.correlationId ?? null,
  data: redactSecrets(event.data) as JsonValue,
}));

export interface ResumeOptions {
  hub: EventHub;
  store: EventStore;
  tenantId: string;
  /** Exclusive: the last position the client saw. */
  after: number;
  capacity: number;
  onTooSlow(error: SubscriberTooSlow): void;
  /** Lets the caller end the stream at once by closing the subscriber being read. */
  track(current: Subscriber): void;
}

/**
 * The tenant's events after a position, exactly once and in order: from the
 * log, then live. The live subscriber is attached BEFORE the log is read, so an
 * event appended meanwhile is in the log read, the live queue, or both; the
 * switch-over skips every live event at or before the last position already
 * sent. While the log is still being read, an overflowing live queue is no
 * fault of the client: it is dropped and the log read again from where it was.
 */
export async function* resumedTenantEvents(options: ResumeOptions): AsyncGenerator<RecordedEvent> {
  const { hub, store, tenantId, capacity } = options;
  let last = options.after;
  for (;;) {
    const live = new Subscriber({ capacity, accepts: () => true });
    live.onEnd(hub.listenToTenant(tenantId, live));
    options.track(live);
    try {
      for await (const event of store.readAll({ afterPosition: last })) {
        if (event.metadata.tenantId !== tenantId) continue;
        yield event;
        last = event.position;
      }
      if (live.overflowed) continue;
      live.setOnOverflow(options.onTooSlow);
      for (;;) {
        const next = await live.next();
        if (next.done) return;
        if (next.value.position <= last) continue;
        yield next.value;
        last = next.value.position;
      }
    } finally {
      live.close();
    }
  }
}
