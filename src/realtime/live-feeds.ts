import type { TriggerRunView } from '../../projections/triggers/trigger-queries.js';
import type { EventStore, RecordedEvent } from '../eventstore/event-store.js';
import type { EventHub } from './event-hub.js';
import { type AuditLogEntry, auditEntryOf, resumedTenantEvents } from './feeds/audit-log.js';
import { type DeliveryOutcome, DeliveryOutcomes, isDeliveryOutcome, webhookOfDelivery } from './feeds/delivery-outcomes.js';
import { isTriggerRun, triggerBelongsTo, triggerRunOf } from './feeds/trigger-runs.js';
import { isWebhookEvent, webhookIdOf, type WebhookChange, WebhookChanges } from './feeds/webhook-changes.js';
import { Subscriber, type SubscriberTooSlow } from './subscriber.js';

/** What every live subscription names: whose events, and what to do when its consumer falls behind. */
export interface LiveRequest {
  tenantId: string;
  onTooSlow(error: SubscriberTooSlow): void;
}

/** A feed: which of a tenant's events it keeps and the payload each becomes. */
export interface FeedDefinition<T> {
  accepts(event: RecordedEvent): boolean;
  payload(event: RecordedEvent): T | Promise<T>;
}

const DONE = { done: true, value: undefined } as const;

/**
 * The live subscriptions the API offers, all fed by the one hub. A new feed is
 * a FeedDefinition (which events, what payload) plus a method here.
 */
export class LiveFeeds {
  private readonly webhookChanges: WebhookChanges;
  private readonly deliveryOutcomes: DeliveryOutcomes;

  constructor(
    private readonly hub: EventHub,
    private readonly store: EventStore,
    /** Events a subscriber may fall behind before it is cut off. */
    private readonly capacity: number,
  ) {
    this.webhookChanges = new WebhookChanges(store);
    this.deliveryOutcomes = new DeliveryOutcomes(store);
  }

  /** Changes of the tenant's webhooks (or of one) from now on, each with the webhook's new state. */
  webhookChanged(request: LiveRequest & { webhookId?: string }): AsyncIterableIterator<WebhookChange> {
    const { webhookId } = request;
    return this.follow(request, {
      accepts: (event) => isWebhookEvent(event) && (webhookId === undefined || webhookIdOf(event) === webhookId),
      payload: (event) => this.webhookChanges.changeFor(event),
    });
  }

  /** Whether a webhook id names one of the tenant's webhooks (to refuse a subscription to anything else). */
  webhookBelongsTo(tenantId: string, webhookId: string): Promise<boolean> {
    return this.webhookChanges.belongsTo(tenantId, webhookId);
  }

  /** Each attempt, success and final failure of deliveries to the tenant's webhooks (or to one) from now on. */
  deliveryOutcome(request: LiveRequest & { webhookId?: string }): AsyncIterableIterator<DeliveryOutcome> {
    const { webhookId } = request;
    return this.follow(request, {
      accepts: (event) => isDeliveryOutcome(event) && (webhookId === undefined || webhookOfDelivery(event) === webhookId),
      payload: (event) => this.deliveryOutcomes.outcomeFor(event),
    });
  }

  /** Accepted calls of the tenant's inbound triggers (or of one) from now on. */
  triggerFired(request: LiveRequest & { triggerId?: string }): AsyncIterableIterator<TriggerRunView> {
    const { triggerId } = request;
    return this.follow(request, {
      accepts: (event) => isTriggerRun(event) && (triggerId === undefined || (event.data as { triggerId?: unknown }).triggerId === triggerId),
      payload: triggerRunOf,
    });
  }

  /** Whether a trigger id names one of the tenant's triggers. */
  triggerBelongsTo(tenantId: string, triggerId: string): Promise<boolean> {
    return triggerBelongsTo(this.store, tenantId, triggerId);
  }

  /** The tenant's events as they are appended; with `after`, first every later event already in the log. */
  auditLog(request: LiveRequest & { after?: number }): AsyncIterableIterator<AuditLogEntry> {
    if (request.after === undefined) return this.follow(request, { accepts: () => true, payload: auditEntryOf });
    let current: Subscriber | undefined;
    let closed = false;
    const events = resumedTenantEvents({
      hub: this.hub,
      store: this.store,
      tenantId: request.tenantId,
      after: request.after,
      capacity: this.capacity,
      onTooSlow: request.onTooSlow,
      track: (subscriber) => {
        current = subscriber;
        if (closed) subscriber.close();
      },
    });
    return {
      next: async () => {
        const next = await events.next();
        return next.done ? DONE : { done: false, value: auditEntryOf(next.value) };
      },
      return: async () => {
        closed = true;
        current?.close();
        await events.return(undefined);
        return DONE;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Live events of the tenant that a feed keeps, as its payloads, in log order. */
  follow<T>(request: LiveRequest, feed: FeedDefinition<T>): AsyncIterableIterator<T> {
    const subscriber = new Subscriber({ capacity: this.capacity, accepts: feed.accepts, onOverflow: request.onTooSlow });
    subscriber.onEnd(this.hub.listenToTenant(request.tenantId, subscriber));
    return {
      next: async () => {
        const next = await subscriber.next();
        return next.done ? DONE : { done: false, value: await feed.payload(next.value) };
      },
      return: async () => {
        subscriber.close();
        return DONE;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
