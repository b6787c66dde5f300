import type { PersistentSubscriptionToAll, PersistentSubscriptionToAllResolvedEvent } from '@kurrent/kurrentdb-client';
import { CallSignals } from './call-signals.js';
import { isConnectionFailure } from './client-errors.js';

/** The Read call ended without an error: the server closed it (or we did). */
export class PersistentCallEnded extends Error {
  override readonly name = 'PersistentCallEnded';
}

export type PersistentFeedItem =
  | { kind: 'confirmed' }
  | { kind: 'event'; resolved: PersistentSubscriptionToAllResolvedEvent }
  | { kind: 'dropped'; error: unknown }
  | { kind: 'stopped' };

/**
 * One Read call of a KurrentDB persistent subscription, read one item at a
 * time on demand (nothing is pulled from the client's stream before it is
 * asked for), and the place its acks and nacks go through: the server only
 * accepts them on a live call of the group, so once this call is over they
 * are moot (the server has taken the messages back).
 */
export class PersistentSubscriptionFeed {
  private dropped: { error: unknown } | undefined;
  private ended = false;
  private readonly over: Promise<void>;
  private markOver!: () => void;
  private readonly signals: CallSignals;

  constructor(private readonly subscription: PersistentSubscriptionToAll) {
    this.signals = new CallSignals(subscription);
    this.over = new Promise((resolve) => (this.markOver = resolve));
    subscription.on('error', (error: unknown) => this.drop(error));
    subscription.on('end', () => this.drop(new PersistentCallEnded('KurrentDB ended the persistent subscription')));
    subscription.on('close', () => this.drop(new PersistentCallEnded('The persistent subscription call closed')));
  }

  async next(stop: AbortSignal): Promise<PersistentFeedItem> {
    for (;;) {
      if (stop.aborted) return { kind: 'stopped' };
      if (this.signals.takeConfirmation()) return { kind: 'confirmed' };
      // What is still buffered of a dropped call is not handed out: the server has taken it back already.
      if (this.dropped) return { kind: 'dropped', error: this.dropped.error };
      const resolved = this.subscription.read() as PersistentSubscriptionToAllResolvedEvent | null;
      if (resolved !== null) return { kind: 'event', resolved };
      await this.signals.next(stop);
    }
  }

  ack(resolved: PersistentSubscriptionToAllResolvedEvent): Promise<void> {
    return this.settle(() => this.subscription.ack(resolved));
  }

  nack(action: 'retry' | 'park' | 'skip', reason: string, resolved: PersistentSubscriptionToAllResolvedEvent): Promise<void> {
    return this.settle(() => this.subscription.nack(action, reason, resolved));
  }

  async close(): Promise<void> {
    // Cancelling is asynchronous in the client and may fail if the call never got going; either way it is over.
    await this.subscription.unsubscribe().catch(() => undefined);
    this.subscription.destroy();
    this.drop(new PersistentCallEnded('The persistent subscription was closed'));
  }

  /**
   * The client's write queue waits for 'drain' without watching for the call
   * dying, so a write can hang for ever on a dead call: the end of the call
   * settles it too.
   */
  private async settle(write: () => Promise<void>): Promise<void> {
    if (this.ended) return;
    try {
      await Promise.race([write(), this.over]);
    } catch (error) {
      if (this.ended || isConnectionFailure(error)) return;
      throw error;
    }
  }

  private drop(error: unknown): void {
    this.dropped ??= { error };
    this.ended = true;
    this.markOver();
    this.signals.notify();
  }
}
