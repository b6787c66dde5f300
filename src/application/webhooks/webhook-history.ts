import { redactSecrets } from '../../domain/redact.js';
import { evolveWebhook, initialWebhookState, type Webhook, type WebhookEvent, type WebhookState } from '../../domain/webhook/webhook-events.js';
import type { EventStore, JsonValue, RecordedEvent } from '../../eventstore/event-store.js';
import { webhookStream } from '../../streams/stream-names.js';
import { NotFoundError } from '../errors.js';

export interface WebhookHistoryEntry {
  eventId: string;
  type: string;
  version: number;
  position: number;
  at: Date;
  actor: string | null;
  correlationId: string | null;
  /** The event's data with every secret replaced by `[REDACTED]`. */
  data: JsonValue;
}

/** How one recorded event of a webhook is shown in its history (and to live subscribers). */
export function historyEntryOf(event: RecordedEvent): WebhookHistoryEntry {
  return {
    eventId: event.id,
    type: event.type,
    version: event.revision,
    position: event.position,
    at: event.createdAt,
    actor: event.metadata.actor ?? null,
    correlationId: event.metadata.correlationId ?? null,
    data: redactSecrets(event.data) as JsonValue,
  };
}

/** The audit trail of a webhook, and its state as it was: read from its stream, not from a read model. */
export class WebhookHistory {
  constructor(private readonly store: EventStore) {}

  async history(tenantId: string, webhookId: string): Promise<WebhookHistoryEntry[]> {
    const events = await this.ownedEvents(tenantId, webhookId);
    return events.map(historyEntryOf);
  }

  /** The webhook as of a version (stream revision) or a moment; undefined before it existed. */
  async at(tenantId: string, webhookId: string, when: { version?: number; at?: Date }): Promise<Webhook | undefined> {
    const events = await this.ownedEvents(tenantId, webhookId);
    let state: WebhookState = initialWebhookState();
    for (const event of events) {
      if (when.version !== undefined && event.revision > when.version) break;
      if (when.at !== undefined && event.createdAt.getTime() > when.at.getTime()) break;
      state = evolveWebhook(state, { type: event.type, data: event.data } as WebhookEvent);
    }
    return state.exists ? state : undefined;
  }

  private async ownedEvents(tenantId: string, webhookId: string): Promise<RecordedEvent[]> {
    const { events } = await this.store.readStream(webhookStream(webhookId));
    const created = events[0];
    if (!created || (created.data as { tenantId?: string }).tenantId !== tenantId) throw new NotFoundError('Webhook', webhookId);
    return events;
  }
}
