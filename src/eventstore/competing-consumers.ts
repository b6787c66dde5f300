import type { AllFilter, RecordedEvent } from './event-store.js';

/**
 * Competing consumers: several processes join one named group on the global
 * log, and the store hands each event of the group to one of them at a time,
 * so work is shared without a queue of our own. KurrentDB implements it with
 * persistent subscriptions; the embedded store has a single instance and no
 * implementation.
 *
 * Delivery is at least once. In normal operation each event goes to one
 * consumer and, once acknowledged, never again. It is handed out again,
 * to this consumer or another, when it is nacked with `retry`, when it is
 * not settled within the group's message time-out, when the consumer holding
 * it goes away (closes, crashes, loses its connection), and after a restart
 * of the store for anything settled since the store's last checkpoint. Work
 * done per message must therefore be safe to repeat.
 */
export interface CompetingConsumerOptions {
  /** The group's name: every instance that shares the work joins the same one. */
  group: string;
  /** This consumer in the store's diagnostics, e.g. the instance id. */
  consumerName: string;
  /**
   * Which events belong to the group. Fixed when the group is created, and
   * every join must pass the same one: a store may filter on one dimension
   * itself and apply the rest in the consumer, which settles what it does
   * not want. To change a group's filter, use a new group name.
   */
  filter: AllFilter;
  /** Where a new group starts: the beginning of the log, or what is appended after its creation. Ignored when it exists. */
  startFrom: 'start' | 'end';
  /** How many unsettled messages this consumer may hold at once. Default 10. */
  bufferSize?: number;
  /**
   * How long a consumer may hold a message before the store hands it to
   * another. Used when the group is created. Default 30 s.
   */
  messageTimeoutMs?: number;
  /**
   * How many times a message is handed out again (after a nack `retry` or a
   * time-out) before the store parks it instead. Used when the group is
   * created. Default 10.
   */
  maxRetryCount?: number;
}

export interface CompetingMessage {
  event: RecordedEvent;
  /** How many times the store has handed this event out before (0 the first time; it may start at 0 again after a store restart). */
  retryCount: number;
  /** Done: the store will not hand it out again. */
  ack(): Promise<void>;
  /**
   * Not done. `retry`: hand it out again (to any consumer), or park it once
   * the group's retry count is used up; `park`: set it aside for an
   * operator; `skip`: drop it as if it had been done.
   */
  nack(action: 'retry' | 'park' | 'skip', reason: string): Promise<void>;
}

/**
 * This consumer's share of the group's events, in the order the store hands
 * them out (not log order once retries happen). Iterating pulls messages;
 * the iterator throws when the store stays unreachable for too long.
 * Acking or nacking a message whose connection has dropped since does
 * nothing: the store has already taken it back and will hand it out again.
 */
export interface CompetingSubscription extends AsyncIterable<CompetingMessage> {
  /** Leaves the group: unsettled messages go back to it, and the iteration ends. */
  close(): Promise<void>;
}

export interface CompetingConsumers {
  /** Creates the group if it does not exist, and resolves once the store counts this consumer in it. */
  join(options: CompetingConsumerOptions): Promise<CompetingSubscription>;
  /** Closes every subscription joined through this object and its connection. */
  close(): Promise<void>;
}
