import type { RecordedEvent } from '../eventstore/event-store.js';

/** Raised to a subscription whose queue overflowed: its consumer fell too far behind. */
export class SubscriberTooSlow extends Error {
  override readonly name = 'SubscriberTooSlow';
  constructor(readonly capacity: number) {
    super(`subscriber too slow: more than ${capacity} messages behind`);
  }
}

export interface SubscriberOptions {
  /** Most events held for a consumer that has not pulled them yet. */
  capacity: number;
  /** The events this subscriber wants; checked by the hub before anything is queued. */
  accepts(event: RecordedEvent): boolean;
  /** Called once, at the moment of the overflow (e.g. to close the consumer's connection). */
  onOverflow?(error: SubscriberTooSlow): void;
}

type Waiter = (result: IteratorResult<RecordedEvent>) => void;

const DONE: IteratorResult<RecordedEvent> = { done: true, value: undefined };

/**
 * The bounded queue between the hub and one subscription. The hub pushes and
 * never waits; the subscription pulls at the pace its socket drains (graphql-ws
 * sends the next message only once the previous one was written), so a slow
 * socket is exactly a queue that fills up. At `capacity` the queue is dropped,
 * onOverflow is told (with SubscriberTooSlow) and the subscription ends:
 * memory stays bounded and no other subscriber waits for it.
 */
export class Subscriber {
  private queue: RecordedEvent[] = [];
  private head = 0;
  private waiter: Waiter | undefined;
  private state: 'open' | 'closed' | 'overflowed' = 'open';
  private readonly detachers: (() => void)[] = [];
  private onOverflow: ((error: SubscriberTooSlow) => void) | undefined;

  constructor(private readonly options: SubscriberOptions) {
    this.onOverflow = options.onOverflow;
  }

  /** Events queued and not pulled yet. */
  get backlog(): number {
    return this.queue.length - this.head;
  }

  get overflowed(): boolean {
    return this.state === 'overflowed';
  }

  /** Replaces what happens on overflow (a resuming subscription tolerates one while it still reads the log). */
  setOnOverflow(onOverflow: (error: SubscriberTooSlow) => void): void {
    this.onOverflow = onOverflow;
  }

  /** Runs when the subscriber ends, whatever the reason (the hub detaches it this way). */
  onEnd(detach: () => void): void {
    if (this.state !== 'open') detach();
    else this.detachers.push(detach);
  }

  /** Called by the hub for every event of the subscriber's tenant. */
  deliver(event: RecordedEvent): void {
    if (this.state !== 'open' || !this.options.accepts(event)) return;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter({ done: false, value: event });
      return;
    }
    if (this.backlog >= this.options.capacity) {
      this.overflow();
      return;
    }
    this.queue.push(event);
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    if (this.head < this.queue.length) {
      const event = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as RecordedEvent;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head >= 1_024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ done: false, value: event });
    }
    // An overflowed subscriber ends: its consumer was told through onOverflow (its connection is closed with the reason).
    if (this.state !== 'open') return Promise.resolve(DONE);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Ends the subscriber: a pending `next()` resolves as done at once. */
  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.release();
    this.waiter?.(DONE);
    this.waiter = undefined;
  }

  private overflow(): void {
    this.state = 'overflowed';
    this.queue = [];
    this.head = 0;
    this.release();
    this.onOverflow?.(new SubscriberTooSlow(this.options.capacity));
  }

  private release(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }
}
