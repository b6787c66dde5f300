import type { AllStreamResolvedEvent, AllStreamSubscription, CaughtUp } from '@kurrent/kurrentdb-client';
import { CallSignals } from './call-signals.js';

export type FeedItem =
  | { kind: 'confirmed' }
  | { kind: 'event'; resolved: AllStreamResolvedEvent }
  /** `position` is where the server says it caught up, when it says. */
  | { kind: 'caughtUp'; position: number | undefined }
  | { kind: 'dropped'; error: unknown }
  | { kind: 'stopped' };

/**
 * One subscription call to KurrentDB, read one item at a time on demand.
 *
 * Nothing is read from the client's stream before it is asked for, so its
 * buffer (bounded by its high-water mark) fills up, the client stops reading
 * from the connection and the server's flow control holds the rest back.
 *
 * The client reports "caught up" as an event beside the stream of events,
 * and it fires while earlier events may still sit unread in that buffer. It
 * fires after every earlier event has been pushed and before any later one
 * is, so the marker is placed after exactly the events buffered at that time.
 */
export class SubscriptionFeed {
  private delivered = 0;
  private caughtUp: { afterEvents: number; position: number | undefined } | undefined;
  private caughtUpDelivered = false;
  private dropped: { error: unknown } | undefined;
  private readonly signals: CallSignals;

  constructor(private readonly subscription: AllStreamSubscription) {
    this.signals = new CallSignals(subscription);
    subscription.on('caughtUp', (info: CaughtUp) => {
      this.caughtUp ??= {
        afterEvents: this.delivered + subscription.readableLength,
        position: info.position ? Number(info.position.commit) : undefined,
      };
      this.signals.notify();
    });
    subscription.on('error', (error: unknown) => {
      this.dropped ??= { error };
      this.signals.notify();
    });
    subscription.on('end', () => {
      this.dropped ??= { error: new Error('KurrentDB ended the subscription') };
      this.signals.notify();
    });
  }

  async next(stop: AbortSignal): Promise<FeedItem> {
    for (;;) {
      if (stop.aborted) return { kind: 'stopped' };
      if (this.signals.takeConfirmation()) return { kind: 'confirmed' };
      if (this.caughtUp && !this.caughtUpDelivered && this.caughtUp.afterEvents === this.delivered) {
        this.caughtUpDelivered = true;
        return { kind: 'caughtUp', position: this.caughtUp.position };
      }
      const resolved = this.subscription.read() as AllStreamResolvedEvent | null;
      if (resolved !== null) {
        this.delivered += 1;
        return { kind: 'event', resolved };
      }
      // Only once everything received before the drop has been handed out.
      if (this.dropped) return { kind: 'dropped', error: this.dropped.error };
      await this.signals.next(stop);
    }
  }

  async close(): Promise<void> {
    // Cancelling is asynchronous in the client and may fail if the call never got going; either way it is over.
    await this.subscription.unsubscribe().catch(() => undefined);
    this.subscription.destroy();
    this.signals.notify();
  }
}
