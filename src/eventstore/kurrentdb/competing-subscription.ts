import type { PersistentSubscriptionToAll, PersistentSubscriptionToAllResolvedEvent } from '@kurrent/kurrentdb-client';
import type { CompetingMessage, CompetingSubscription } from '../competing-consumers.js';
import type { AllFilterPlan } from './all-filter.js';
import { isConnectionFailure } from './client-errors.js';
import { PersistentCallEnded, PersistentSubscriptionFeed, type PersistentFeedItem } from './persistent-subscription-feed.js';
import { ReconnectingCall, type CallEnd } from './reconnecting-call.js';
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
  private confirmedOnce = false;
  private readonly call: ReconnectingCall<Exclude<PersistentFeedItem, CallEnd>, PersistentSubscriptionFeed>;

  constructor(
    subscribe: () => PersistentSubscriptionToAll,
    private readonly filter: AllFilterPlan,
    settings: CompetingSubscriptionSettings,
    onFinished: (subscription: KurrentDbCompetingSubscription) => void,
  ) {
    this.call = new ReconnectingCall({
      name: `The KurrentDB persistent subscription ${settings.group}`,
      reconnectForMs: settings.reconnectForMs,
      open: () => new PersistentSubscriptionFeed(subscribe()),
      isRetryable,
      abandonedMessage: 'The competing consumers were closed under a live subscription',
      onFinished: () => onFinished(this),
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<CompetingMessage> {
    return {
      next: () => this.call.serially(() => this.pullMessage()),
      return: async () => {
        await this.close();
        return DONE;
      },
    };
  }

  /** Resolves once the server has confirmed this consumer in the group; rejects as the iterator would. */
  confirmed(): Promise<void> {
    return this.call.serially(async () => {
      while (!this.confirmedOnce) {
        const item = await this.pull();
        if (item === 'confirmed') continue;
        // A message cannot come before the confirmation; if it ever did, it goes back to the group.
        if (item) await item.nack('retry', 'joined before being confirmed');
        else return;
      }
    });
  }

  close(): Promise<void> {
    return this.call.close();
  }

  /** The consumers object is closing: a consumer still iterating learns it from an error, as from the event store. */
  abandon(): Promise<void> {
    return this.call.abandon();
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
      const next = await this.call.next();
      if (!next) return undefined;
      const { feed, item } = next;
      switch (item.kind) {
        case 'confirmed':
          this.confirmedOnce = true;
          return 'confirmed';
        case 'event': {
          const message = this.toMessage(feed, item.resolved);
          if (message) return message;
          await feed.ack(item.resolved);
          continue;
        }
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
