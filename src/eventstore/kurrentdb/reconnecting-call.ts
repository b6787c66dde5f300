import { EventStoreUnavailable } from '../errors.js';
import { backoffDelay, sleep } from './connection-retry.js';

/** How one call's items end: the call dropped, or the reader stopped waiting. */
export type CallEnd = { kind: 'dropped'; error: unknown } | { kind: 'stopped' };

/** One streaming call to KurrentDB (a subscription's Read), read one item at a time. */
export interface Call<Item> {
  next(stop: AbortSignal): Promise<Item | CallEnd>;
  close(): Promise<void>;
}

export interface ReconnectingCallSettings<Feed> {
  /** Names the call in errors: "<name> failed", "<name> dropped and could not reconnect within …". */
  name: string;
  /** How long to keep making new calls after the call drops before giving up. */
  reconnectForMs: number;
  /** Makes a new call; errors `isRetryable` accepts count as part of the outage, others end the iteration. */
  open: () => Feed | Promise<Feed>;
  /** Whether a drop, or an error from `open`, is worth another call. */
  isRetryable: (error: unknown) => boolean;
  /** What a reader still reading is told when the owner (the store, the consumers object) closes under it. */
  abandonedMessage: string;
  onFinished: () => void;
}

/**
 * A long-lived KurrentDB call that survives connection drops: when the call
 * drops with an error worth retrying, a new one is made, waiting between
 * attempts (doubling from 50 ms up to 1 s). The outage ends as soon as a call
 * yields anything; only one longer than `reconnectForMs` ends the iteration,
 * with EventStoreUnavailable. What a new call must start from (a position, a
 * group's place) is up to `open`.
 *
 * `Item` must not use the kinds of CallEnd.
 */
export class ReconnectingCall<Item extends { kind: string }, Feed extends Call<Item>> {
  private feed: Feed | undefined;
  private outage: { since: number; failures: number; lastError: unknown } | undefined;
  private failure: unknown;
  private stopped = false;
  private abandoned = false;
  private readonly stop = new AbortController();
  private reads: Promise<unknown> = Promise.resolve();

  constructor(private readonly settings: ReconnectingCallSettings<Feed>) {}

  /** Runs `read` after the reads queued before it, so that concurrent readers cannot interleave on the same call. */
  serially<T>(read: () => Promise<T>): Promise<T> {
    const result = this.reads.then(read);
    this.reads = result.catch(() => undefined);
    return result;
  }

  /**
   * The next item, with the call it came from (acks go back through that
   * call); undefined once closed. Throws EventStoreUnavailable when the call
   * fails for good or the owner closes, and keeps throwing it after. Call it
   * inside `serially`.
   */
  async next(): Promise<{ feed: Feed; item: Item } | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.stopped) return undefined;
      if (this.abandoned) throw new EventStoreUnavailable(this.settings.abandonedMessage);

      let feed: Feed | undefined;
      try {
        feed = this.feed ?? (await this.connect());
      } catch (error) {
        return this.fail(error);
      }
      if (!feed) continue;

      const item = await feed.next(this.stop.signal);
      if (!isCallEnd(item)) {
        this.outage = undefined;
        return { feed, item };
      }
      if (item.kind === 'stopped') continue;
      await this.dropFeed();
      if (!this.settings.isRetryable(item.error)) {
        return this.fail(new EventStoreUnavailable(`${this.settings.name} failed`, { cause: item.error }));
      }
      this.recordFailure(item.error);
    }
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.finish();
  }

  /** The owner is closing: a reader still reading learns it from an error. */
  async abandon(): Promise<void> {
    if (this.stopped || this.abandoned) return;
    this.abandoned = true;
    await this.finish();
  }

  /** A new call, waiting between attempts while the server is away; undefined if closed meanwhile. */
  private async connect(): Promise<Feed | undefined> {
    for (;;) {
      if (this.stopped || this.abandoned) return undefined;
      if (this.outage) {
        const left = this.outage.since + this.settings.reconnectForMs - Date.now();
        if (left <= 0) {
          throw new EventStoreUnavailable(
            `${this.settings.name} dropped and could not reconnect within ${this.settings.reconnectForMs} ms`,
            { cause: this.outage.lastError },
          );
        }
        await sleep(Math.min(backoffDelay(this.outage.failures), left), this.stop.signal);
        if (this.stopped || this.abandoned) return undefined;
      }
      try {
        this.feed = await this.settings.open();
        return this.feed;
      } catch (error) {
        if (!this.settings.isRetryable(error)) throw error;
        this.recordFailure(error);
      }
    }
  }

  private recordFailure(error: unknown): void {
    this.outage ??= { since: Date.now(), failures: 0, lastError: error };
    this.outage.failures += 1;
    this.outage.lastError = error;
  }

  private async fail(error: unknown): Promise<never> {
    this.failure = error;
    await this.finish();
    throw error;
  }

  private async dropFeed(): Promise<void> {
    const feed = this.feed;
    this.feed = undefined;
    await feed?.close();
  }

  private async finish(): Promise<void> {
    this.stop.abort();
    await this.dropFeed();
    this.settings.onFinished();
  }
}

function isCallEnd<Item extends { kind: string }>(item: Item | CallEnd): item is CallEnd {
  return item.kind === 'dropped' || item.kind === 'stopped';
}
