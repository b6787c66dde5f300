import { historyEntryOf, type WebhookHistoryEntry } from '../../application/webhooks/webhook-history.js';
import {
  evolveWebhook,
  initialWebhookState,
  type Webhook,
  type WebhookEvent,
  type WebhookState,
} from '../../domain/webhook/webhook-events.js';
import type { EventStore, RecordedEvent } from '../../eventstore/event-store.js';
import { WEBHOOK_STREAM_PREFIX, idFromStream, webhookStream } from '../../streams/stream-names.js';

/** A webhook as it became through one event, and that event (secrets redacted). */
export interface WebhookChange {
  webhook: Webhook;
  event: WebhookHistoryEntry;
}

const DEFAULT_CACHED_WEBHOOKS = 10_000;

export const isWebhookEvent = (event: RecordedEvent): boolean => event.streamName.startsWith(WEBHOOK_STREAM_PREFIX);

export const webhookIdOf = (event: RecordedEvent): string => idFromStream(WEBHOOK_STREAM_PREFIX, event.streamName);

/**
 * Builds the payload of `webhookChanged` once per event for all its
 * subscribers: the state is folded with the domain's own `evolve` from the
 * state after the previous event (kept in a bounded cache), or from the stream
 * when that state is not at hand. So each payload is the webhook exactly as
 * that event left it, even when later events were already applied elsewhere.
 */
export class WebhookChanges {
  /** Webhook id → its state after the last event folded here; Map order makes it an LRU. */
  private readonly states = new Map<string, Webhook>();
  private readonly built = new WeakMap<RecordedEvent, Promise<WebhookChange>>();

  constructor(
    private readonly store: EventStore,
    private readonly cachedWebhooks = DEFAULT_CACHED_WEBHOOKS,
  ) {}

  /** The hub hands the same event object to every subscriber, so the payload is built once. */
  changeFor(event: RecordedEvent): Promise<WebhookChange> {
    let change = this.built.get(event);
    if (!change) {
      change = this.build(event);
      this.built.set(event, change);
    }
    return change;
  }

  /** Whether the webhook exists and belongs to the tenant (read from its stream, the source of truth). */
  async belongsTo(tenantId: string, webhookId: string): Promise<boolean> {
    const { events } = await this.store.readStream(webhookStream(webhookId), { maxCount: 1 });
    return (events[0]?.data as { tenantId?: string } | undefined)?.tenantId === tenantId;
  }

  private async build(event: RecordedEvent): Promise<WebhookChange> {
    const id = webhookIdOf(event);
    const previous = this.states.get(id);
    let webhook: WebhookState;
    if (event.revision === 0) webhook = fold(initialWebhookState(), event);
    else if (previous && previous.version === event.revision - 1) webhook = fold(previous, event);
    else webhook = await this.foldStream(id, event.revision);
    if (!webhook.exists) throw new Error(`Webhook ${id} has no state at revision ${event.revision}`);
    this.remember(id, webhook);
    return { webhook, event: historyEntryOf(event) };
  }

  private async foldStream(id: string, upToRevision: number): Promise<WebhookState> {
    const { events } = await this.store.readStream(webhookStream(id), { maxCount: upToRevision + 1 });
    return events.reduce(fold, initialWebhookState());
  }

  private remember(id: string, webhook: Webhook): void {
    const cached = this.states.get(id);
    if (cached && cached.version > webhook.version) return;
    this.states.delete(id);
    this.states.set(id, webhook);
    if (this.states.size > this.cachedWebhooks) this.states.delete(this.states.keys().next().value!);
  }
}

function fold(state: WebhookState, event: RecordedEvent): WebhookState {
  return evolveWebhook(state, { type: event.type, data: event.data } as WebhookEvent);
}
