import type { AllFilter, AllSubscription, RecordedEvent, SubscriptionMessage } from '../event-store.js';
import { EventStoreUnavailable } from '../errors.js';

/** What a subscription needs from the store: batched reads and a wake-up signal. */
export interface SubscriptionSource {
  readBatchAfter(position: number, limit: number, filter: AllFilter | undefined): RecordedEvent[];
  currentHeadPosition(): number;
  /** Resolves on the next append of an event the filter takes, after `pollMs`, or when the store closes. */
  waitForAppend(pollMs: number, filter: AllFilter | undefined): Promise<void>;
  readonly closed: boolean;
}

const BATCH_SIZE = 1_000;

/**
 * Pull-based: nothing is read before the consumer asks, so a slow consumer
 * holds at most one batch in memory and the log itself is the buffer.
 */
export class SqliteAllSubscription implements AllSubscription {
  private position: number;
  private buffer: RecordedEvent[] = [];
  private index = 0;
  private caughtUpSent = false;
  private stopped = false;
  private wakeStopped: (() => void) | undefined;

  constructor(
    private readonly source: SubscriptionSource,
    afterPosition: number,
    private readonly filter: AllFilter | undefined,
    private readonly pollMs: number,
  ) {
    this.position = afterPosition;
  }

  async unsubscribe(): Promise<void> {
    this.stopped = true;
    this.wakeStopped?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.unsubscribe();
        return { done: true, value: undefined };
      },
    };
  }

  private async next(): Promise<IteratorResult<SubscriptionMessage>> {
    for (;;) {
      if (this.stopped) return { done: true, value: undefined };
      if (this.source.closed) throw new EventStoreUnavailable('The event store was closed under a live subscription');
      if (this.index < this.buffer.length) {
        return { done: false, value: { kind: 'event', event: this.buffer[this.index++]! } };
      }

      const batch = this.source.readBatchAfter(this.position, BATCH_SIZE, this.filter);
      if (batch.length > 0) {
        this.buffer = batch;
        this.index = 0;
        this.position = batch[batch.length - 1]!.position;
        continue;
      }
      // Filtered-out events still move the read position forward, so they are scanned once.
      this.position = Math.max(this.position, this.source.currentHeadPosition());
      if (!this.caughtUpSent) {
        this.caughtUpSent = true;
        return { done: false, value: { kind: 'caughtUp', position: this.position } };
      }
      await Promise.race([
        this.source.waitForAppend(this.pollMs, this.filter),
        new Promise<void>((resolve) => {
          this.wakeStopped = resolve;
        }),
      ]);
    }
  }
}
