/** Where the admission reads the backlog from: the delivery worker, and the read model's progress. */
export interface DeliveryBacklog {
  /** Deliveries due now that wait for a free request slot, counted up to `limit`. */
  dueBacklog(limit: number): number;
  /** Calls `listener` when deliveries may have moved on; returns the function that removes it. */
  onProgress(listener: () => void): () => void;
}

export interface PublishAdmissionSettings {
  /** Due deliveries waiting for a request slot beyond which a publish waits (HOOKGATE_PUBLISH_BACKLOG); 0: never. */
  backlogLimit: number;
  /** The longest a publish waits; it then goes ahead (HOOKGATE_PUBLISH_MAX_WAIT_MS). */
  maxWaitMs: number;
}

interface Waiter {
  admit(): void;
  timer: NodeJS.Timeout;
}

/**
 * Backpressure on publishing. When publishers hand over events faster than
 * they can be delivered, the backlog of due deliveries would grow without
 * bound, and every delivery's latency with it. While more than the limit are
 * due and waiting for a request slot, a publish waits until the backlog is
 * under the limit again (first come, first admitted), at most `maxWaitMs`;
 * nothing is refused, a publisher is slowed down to what can be delivered.
 * Deliveries held back by their own webhook's limit (a slow receiver) are not
 * backlog: one slow receiver must not slow down every publisher.
 */
export class PublishAdmission {
  private readonly waiting: Waiter[] = [];
  private stopped = false;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly backlog: DeliveryBacklog,
    private readonly settings: PublishAdmissionSettings,
  ) {}

  /** Resolves when a publish may go ahead. */
  whenAdmitted(): Promise<void> {
    if (this.settings.backlogLimit === 0 || this.stopped) return Promise.resolve();
    if (this.waiting.length === 0 && !this.backlogged()) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          this.stopListeningWhenIdle();
          resolve();
        }, this.settings.maxWaitMs),
      };
      this.waiting.push(waiter);
      this.stopListening ??= this.backlog.onProgress(() => this.admitWhileRoom());
    });
  }

  /** Publishes waiting now (for tests and metrics). */
  get waitingPublishes(): number {
    return this.waiting.length;
  }

  /** Lets every waiting publish go, and every later one at once (at shutdown). */
  stop(): void {
    this.stopped = true;
    for (const waiter of this.waiting.splice(0)) waiter.admit();
    this.stopListeningWhenIdle();
  }

  private backlogged(): boolean {
    const limit = this.settings.backlogLimit;
    return this.backlog.dueBacklog(limit + 1) > limit;
  }

  private admitWhileRoom(): void {
    if (this.waiting.length === 0 || this.backlogged()) return;
    // The waiting publishes together add at most a few times their fan-out: the limit is a soft bound.
    for (const waiter of this.waiting.splice(0)) waiter.admit();
    this.stopListeningWhenIdle();
  }

  private stopListeningWhenIdle(): void {
    if (this.waiting.length > 0 || !this.stopListening) return;
    this.stopListening();
    this.stopListening = undefined;
  }
}
