import type { AllStreamSubscription, Filter } from '@kurrent/kurrentdb-client';
import type { AllFilter, AllSubscription, SubscriptionMessage } from '../event-store.js';
import { EventStoreUnavailable } from '../errors.js';
import { planAllFilter, type AllFilterPlan } from './all-filter.js';
import { isConnectionFailure } from './client-errors.js';
import { ReconnectingCall, type CallEnd } from './reconnecting-call.js';
import { positionOf, toRecordedEvent } from './recorded-event.js';
import { SubscriptionFeed, type FeedItem } from './subscription-feed.js';

/** What a subscription needs from the store. */
export interface SubscriptionSource {
  /** A client subscription to `$all` strictly after `position` (negative: from the start). */
  subscribe(position: number, filter: Filter, bufferSize: number): AllStreamSubscription;
  headPosition(): Promise<number>;
}

export interface SubscriptionSettings {
  /** How long to keep resubscribing after the connection drops before the iterator throws. */
  reconnectForMs: number;
  /** Events held in memory ahead of the consumer. */
  bufferSize: number;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * `$all` from a position, surviving connection drops: when the client's
 * subscription fails with a connection error, a new one is started strictly
 * after the last event received (filtered out or not), and anything at or
 * before that position is discarded, so the consumer sees no gap and no
 * duplicate. Only an outage longer than `reconnectForMs` ends it, with
 * EventStoreUnavailable.
 */
export class KurrentDbAllSubscription implements AllSubscription {
  private readonly filter: AllFilterPlan;
  /** Last event position received from the server; -1 before the first event of the log. */
  private lastPosition: number;
  /** For `'end'`: the head is looked up right away, so events appended after subscribing count as new. */
  private endLookup: Promise<number> | undefined;
  private startsAtEnd: boolean;
  private caughtUpSent = false;
  private readonly call: ReconnectingCall<Exclude<FeedItem, CallEnd>, SubscriptionFeed>;

  constructor(
    private readonly source: SubscriptionSource,
    afterPosition: number | 'end' | undefined,
    filter: AllFilter | undefined,
    private readonly settings: SubscriptionSettings,
    onFinished: (subscription: KurrentDbAllSubscription) => void,
  ) {
    this.filter = planAllFilter(filter);
    this.startsAtEnd = afterPosition === 'end';
    this.lastPosition = typeof afterPosition === 'number' ? afterPosition : -1;
    if (this.startsAtEnd) {
      this.endLookup = source.headPosition();
      // Awaited in open(); this only keeps an early failure from counting as unhandled.
      this.endLookup.catch(() => undefined);
    }
    this.call = new ReconnectingCall({
      name: 'The KurrentDB subscription',
      reconnectForMs: settings.reconnectForMs,
      open: () => this.open(),
      isRetryable,
      abandonedMessage: 'The event store was closed under a live subscription',
      onFinished: () => onFinished(this),
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return {
      next: () => this.call.serially(() => this.pull()),
      return: async () => {
        await this.unsubscribe();
        return DONE;
      },
    };
  }

  unsubscribe(): Promise<void> {
    return this.call.close();
  }

  /** The store is closing: a consumer still iterating learns it from an error, as with the SQLite adapter. */
  abandon(): Promise<void> {
    return this.call.abandon();
  }

  private async pull(): Promise<IteratorResult<SubscriptionMessage>> {
    for (;;) {
      const next = await this.call.next();
      if (!next) return DONE;
      const { item } = next;
      switch (item.kind) {
        case 'confirmed':
          continue;
        case 'caughtUp':
          // Resubscriptions catch up again; the consumer was told once.
          if (this.caughtUpSent) continue;
          this.caughtUpSent = true;
          return { done: false, value: { kind: 'caughtUp', position: Math.max(0, this.lastPosition, item.position ?? 0) } };
        case 'event': {
          const position = positionOf(item.resolved);
          if (position <= this.lastPosition) continue;
          this.lastPosition = position;
          const event = toRecordedEvent(item.resolved);
          if (!event || !this.filter.keep(event)) continue;
          return { done: false, value: { kind: 'event', event } };
        }
      }
    }
  }

  /** A new client subscription strictly after the last position (for `'end'`, once the head is known). */
  private async open(): Promise<SubscriptionFeed> {
    if (this.startsAtEnd) {
      const lookup = this.endLookup ?? this.source.headPosition();
      this.endLookup = undefined;
      this.lastPosition = await lookup;
      this.startsAtEnd = false;
    }
    return new SubscriptionFeed(this.source.subscribe(this.lastPosition, this.filter.server, this.settings.bufferSize));
  }
}

function isRetryable(error: unknown): boolean {
  return error instanceof EventStoreUnavailable || isConnectionFailure(error);
}
