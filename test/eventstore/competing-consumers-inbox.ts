import type { CompetingMessage, CompetingSubscription } from '../../src/eventstore/competing-consumers.js';

/**
 * A test's hold on one competing subscription. A pull that is still waiting
 * when a test stops waiting for it is kept, so the message it eventually
 * gets is not lost to the next pull (the subscription's iterator hands each
 * message to one pull only).
 */
export class Inbox {
  private readonly iterator: AsyncIterator<CompetingMessage>;
  private pending: Promise<IteratorResult<CompetingMessage>> | undefined;

  constructor(readonly subscription: CompetingSubscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async next(): Promise<CompetingMessage> {
    const result = await this.pull();
    this.pending = undefined;
    if (result.done) throw new Error('the competing subscription ended');
    return result.value;
  }

  async take(count: number): Promise<CompetingMessage[]> {
    const out: CompetingMessage[] = [];
    while (out.length < count) out.push(await this.next());
    return out;
  }

  /** The next message, or undefined if `stop` settles first. */
  async nextUnless(stop: Promise<void>): Promise<CompetingMessage | undefined> {
    const result = await Promise.race([this.pull().then((next) => ({ next })), stop.then(() => undefined)]);
    if (!result) return undefined;
    this.pending = undefined;
    if (result.next.done) throw new Error('the competing subscription ended');
    return result.next.value;
  }

  /** True when no message arrives within `ms`. */
  async quietFor(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    try {
      return (await this.nextUnless(elapsed).then((message) => message === undefined));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the iteration has ended (after close). */
  async ended(): Promise<boolean> {
    const result = await this.pull();
    this.pending = undefined;
    return result.done === true;
  }

  private pull(): Promise<IteratorResult<CompetingMessage>> {
    if (!this.pending) {
      this.pending = this.iterator.next();
      // Marked as handled: a pull left waiting when a test ends may reject when the subscription closes.
      this.pending.catch(() => undefined);
    }
    return this.pending;
  }
}
