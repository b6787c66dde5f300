import type { PersistentSubscriptionToAll, PersistentSubscriptionToAllResolvedEvent } from '@kurrent/kurrentdb-client';
import type { CompetingMessage, CompetingSubscription } from '../competing-consumers.js';
import { EventStoreUnavailable } from '../errors.js';
import type { AllFilterPlan } from './all-filter.js';
import { isConnectionFailure } from './client-errors.js';
import { backoffDelay, sleep } from './connection-retry.js';
import { PersistentCallEnded, PersistentSubscriptionFeed } from './persistent-subscription-feed.js';
import { toRecordedEvent } from './recorded-event.js';

export interface CompetingSubscriptionSettings {
  group: string;
  /** How long to keep reconnecting after the connection drops before the iterator throws. */
  reconnectForMs: number;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One consumer's membership of a KurrentDB persistent subscription group,
 * surviving connection drops: when the Read call fails with a connection
 * error, a new one is made to the same group (waiting between attempts, as
 * the `$all` subscription does). The server keeps the group's place, and has
 * taken back what the dropped call held un-acknowledged, so it hands that out
 * again, to this consumer or another; nothing is skipped. Only an outage
 * longer than `reconnectForMs` ends the iteration, with EventStoreUnavailable.
 *
 * Events the server sends that the port's filter does not want (`$` system
 * events, or the event-type half of a filter that also has stream prefixes:
 * KurrentDB filters a group on one of the two) are acknowledged at once, so
 * they do not take up the consumer's buffer.
 */
export class KurrentDbCompetingSubscription implements CompetingSubscription {
  private feed: PersistentSubscriptionFeed | undefined;
  private confirmedOnce = false;
  private outage: { since: number; failures: number; lastError: unknown } | undefined;
  private failure: unknown;
  private stopped = false;
  private storeClosed = false;
  private readonly stop = new AbortController();
  private pulls: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly subscribe: () => PersistentSubscriptionToAll,
    private readonly filter: AllFilterPlan,
    private readonly settings: CompetingSubscriptionSettings,
    private readonly onFinished: (subscription: KurrentDbCompetingSubscription) => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<CompetingMessage> {
    return {
      next: () => this.queue(() => this.pullMessage()),
      return: async () => {
        await this.close();
        return DONE;
      },
    };
  }

  /** Resolves once the server has confirmed this consumer in the group; rejects as the iterator would. */
  confirmed(): Promise<void> {
    return this.queue(async () => {
      while (!this.confirmedOnce) {
        const item = await this.pull();
        if (item === 'confirmed') continue;
        // A message cannot come before the confirmation; if it ever did, it goes back to the group.
        if (item) await item.nack('retry', 'joined before being confirmed');
        else return;
      }
    });
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.finish();
  }

  /** The consumers object is closing: a consumer still iterating learns it from an error, as from the event store. */
  async abandon(): Promise<void> {
    if (this.stopped || this.storeClosed) return;
    this.storeClosed = true;
    await this.finish();
  }

  /** Calls are queued so that concurrent pulls cannot interleave on the same feed. */
  private queue<T>(pull: () => Promise<T>): Promise<T> {
    const result = this.pulls.then(pull);
    this.pulls = result.catch(() => undefined);
    return result;
  }

  private async pullMessage(): Promise<IteratorResult<CompetingMessage>> {
    for (;;) {
      const item = await this.pull();
      if (item === 'confirmed') continue;
      return item ? { done: false, value: item } : DONE;
    }
  }

  /** The next message, 'confirmed' when the server (re)confirms the consumer, undefined once closed. */
  private async pull(): Promise<CompetingMessage | 'confirmed' | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.stopped) return undefined;
      if (this.storeClosed) throw new EventStoreUnavailable('The competing consumers were closed under a live subscription');

      let feed: PersistentSubscriptionFeed | undefined;
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
          this.confirmedOnce = true;
          return 'confirmed';
        case 'event': {
          const message = this.toMessage(feed, item.resolved);
          if (message) return message;
          await feed.ack(item.resolved);
          continue;
        }
        case 'dropped':
          await this.dropFeed();
          if (!isRetryable(item.error)) {
            this.failure = new EventStoreUnavailable(`The KurrentDB persistent subscription ${this.settings.group} failed`, {
              cause: item.error,
            });
            await this.finish();
            throw this.failure;
          }
          this.recordFailure(item.error);
          continue;
      }
    }
  }

  private toMessage(feed: PersistentSubscriptionFeed, resolved: PersistentSubscriptionToAllResolvedEvent): CompetingMessage | undefined {
    const event = toRecordedEvent(resolved);
    if (!event || !this.filter.keep(event)) return undefined;
    return {
      event,
      retryCount: resolved.retryCount,
      ack: () => feed.ack(resolved),
      nack: (action, reason) => feed.nack(action, reason, resolved),
    };
  }

  /** A new Read call to the group, waiting between attempts while the server is away. */
  private async connect(): Promise<PersistentSubscriptionFeed | undefined> {
    if (this.stopped || this.storeClosed) return undefined;
    if (this.outage) {
      const left = this.outage.since + this.settings.reconnectForMs - Date.now();
      if (left <= 0) {
        throw new EventStoreUnavailable(
          `The KurrentDB persistent subscription ${this.settings.group} dropped and could not reconnect within ${this.settings.reconnectForMs} ms`,
          { cause: this.outage.lastError },
        );
      }
      await sleep(Math.min(backoffDelay(this.outage.failures), left), this.stop.signal);
      if (this.stopped || this.storeClosed) return undefined;
    }
    this.feed = new PersistentSubscriptionFeed(this.subscribe());
    return this.feed;
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

/**
 * Connection failures, and the server dropping the subscription (it answers
 * CANCELLED, e.g. while its persistent-subscription subsystem restarts), are
 * worth another Read; a missing group, too many consumers or an unsupported
 * server are not.
 */
function isRetryable(error: unknown): boolean {
  return isConnectionFailure(error) || error instanceof PersistentCallEnded;
}
