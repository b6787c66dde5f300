import type { AllStreamSubscription, Filter } from '@kurrent/kurrentdb-client';
import type { AllFilter, AllSubscription, SubscriptionMessage } from '../event-store.js';
import { EventStoreUnavailable } from '../errors.js';
import { planAllFilter, type AllFilterPlan } from './all-filter.js';
import { isConnectionFailure } from './client-errors.js';
import { backoffDelay, sleep } from './connection-retry.js';
import { positionOf, toRecordedEvent } from './recorded-event.js';
import { SubscriptionFeed } from './subscription-feed.js';

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
  private feed: SubscriptionFeed | undefined;
  private caughtUpSent = false;
  private outage: { since: number; failures: number; lastError: unknown } | undefined;
  private failure: unknown;
  private stopped = false;
  private storeClosed = false;
  private readonly stop = new AbortController();
  private pulls: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: SubscriptionSource,
    afterPosition: number | 'end' | undefined,
    filter: AllFilter | undefined,
    private readonly settings: SubscriptionSettings,
    private readonly onFinished: (subscription: KurrentDbAllSubscription) => void,
  ) {
    this.filter = planAllFilter(filter);
    this.startsAtEnd = afterPosition === 'end';
    this.lastPosition = typeof afterPosition === 'number' ? afterPosition : -1;
    if (this.startsAtEnd) {
      this.endLookup = source.headPosition();
      // Awaited in connect(); this only keeps an early failure from counting as unhandled.
      this.endLookup.catch(() => undefined);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.unsubscribe();
        return DONE;
      },
    };
  }

  async unsubscribe(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.finish();
  }

  /** The store is closing: a consumer still iterating learns it from an error, as with the SQLite adapter. */
  async abandon(): Promise<void> {
    if (this.stopped || this.storeClosed) return;
    this.storeClosed = true;
    await this.finish();
  }

  /** Calls are queued so that concurrent `next()`s cannot interleave on the same feed. */
  private next(): Promise<IteratorResult<SubscriptionMessage>> {
    const result = this.pulls.then(() => this.pull());
    this.pulls = result.catch(() => undefined);
    return result;
  }

  private async pull(): Promise<IteratorResult<SubscriptionMessage>> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.stopped) return DONE;
      if (this.storeClosed) throw new EventStoreUnavailable('The event store was closed under a live subscription');

      let feed: SubscriptionFeed | undefined;
      try {
        feed = this.feed ?? (await this.connect());
      } catch (error) {
        this.failure = error;
        await this.finish();
        throw error;
      }
      if (!feed) continue;

      const item = await feed.next(this.stop.signal);
      switch (item.kind) {
        case 'stopped':
          continue;
        case 'confirmed':
          this.outage = undefined;
          continue;
        case 'caughtUp':
          this.outage = undefined;
          // Resubscriptions catch up again; the consumer was told once.
          if (this.caughtUpSent) continue;
          this.caughtUpSent = true;
          return { done: false, value: { kind: 'caughtUp', position: Math.max(0, this.lastPosition, item.position ?? 0) } };
        case 'event': {
          this.outage = undefined;
          const position = positionOf(item.resolved);
          if (position <= this.lastPosition) continue;
          this.lastPosition = position;
          const event = toRecordedEvent(item.resolved);
          if (!event || !this.filter.keep(event)) continue;
          return { done: false, value: { kind: 'event', event } };
        }
        case 'dropped':
          await this.dropFeed();
          if (!isRetryable(item.error)) {
            this.failure = new EventStoreUnavailable('The KurrentDB subscription failed', { cause: item.error });
            await this.finish();
            throw this.failure;
          }
          this.recordFailure(item.error);
          continue;
      }
    }
  }

  /** A new client subscription after the last position, waiting between attempts while the server is away. */
  private async connect(): Promise<SubscriptionFeed | undefined> {
    for (;;) {
      if (this.stopped || this.storeClosed) return undefined;
      if (this.outage) {
        const left = this.outage.since + this.settings.reconnectForMs - Date.now();
        if (left <= 0) {
          throw new EventStoreUnavailable(
            `The KurrentDB subscription dropped and could not resubscribe within ${this.settings.reconnectForMs} ms`,
            { cause: this.outage.lastError },
          );
        }
        await sleep(Math.min(backoffDelay(this.outage.failures), left), this.stop.signal);
        if (this.stopped || this.storeClosed) return undefined;
      }

      if (this.startsAtEnd) {
        const lookup = this.endLookup ?? this.source.headPosition();
        this.endLookup = undefined;
        try {
          this.lastPosition = await lookup;
          this.startsAtEnd = false;
        } catch (error) {
          if (!isRetryable(error)) throw error;
          this.recordFailure(error);
          continue;
        }
      }

      this.feed = new SubscriptionFeed(this.source.subscribe(this.lastPosition, this.filter.server, this.settings.bufferSize));
      return this.feed;
    }
  }

  private recordFailure(error: unknown): void {
    this.outage ??= { since: Date.now(), failures: 0, lastError: error };
    this.outage.failures += 1;
    this.outage.lastError = error;
  }

  private async dropFeed(): Promise<void> {
    const feed = this.feed;
    this.feed = undefined;
    await feed?.close();
  }

  private async finish(): Promise<void> {
    this.stop.abort();
    await this.dropFeed();
    this.onFinished(this);
  }
}

function isRetryable(error: unknown): boolean {
  return error instanceof EventStoreUnavailable || isConnectionFailure(error);
}
