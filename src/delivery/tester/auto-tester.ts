import type { Logger } from '../../logging/logger.js';

export interface AutoTesterDependencies {
  /** Webhooks in state NEW: created, reconfigured (url, auth, headers), set to NEW, or reactivated, and not tested since. */
  awaitingTest(): { id: string; tenantId: string; version: number }[];
  /** Tests one and records the outcome; false when the webhook changed meanwhile (it is then NEW at a newer version). */
  test(tenantId: string, webhookId: string, version: number): Promise<boolean>;
  /** The webhook projection: it moves whenever a webhook changes. */
  onWebhooksChanged(listener: () => void): () => void;
  logger: Logger;
  concurrency?: number;
  /** After a test that failed inside hookgate (not at the receiver), wait this long before trying again. */
  retryDelayMs?: number;
  /** At most one look at the read model per this many ms, however often webhooks change. */
  minScanIntervalMs?: number;
}

/**
 * Sends the automatic `webhook.test` to every webhook waiting for one. It is
 * level-triggered: it looks at which webhooks are NEW in the read model (at
 * start and whenever the webhook projection moves) rather than at events since
 * a checkpoint, so it needs no state of its own and survives restarts: a test
 * cut short by a crash is simply sent again, because the webhook is still NEW.
 */
export class AutoTester {
  /** `id@version` of tests started: each version of a webhook is tested once by this process. */
  private started = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  /** Tests to start, from `next` on (an index rather than shift(), which copies a long backlog on every start). */
  private queued: { id: string; tenantId: string; version: number }[] = [];
  private next = 0;
  /** Webhooks changed while tests were still queued: scan again once the queue is empty. */
  private changedWhileQueued = false;
  private stopped = true;
  private scanQueued = false;
  private lastScanAt = Number.NEGATIVE_INFINITY;
  private unsubscribe: (() => void) | undefined;
  private readonly concurrency: number;
  private readonly retryDelayMs: number;
  private readonly minScanIntervalMs: number;

  constructor(private readonly deps: AutoTesterDependencies) {
    this.concurrency = deps.concurrency ?? 8;
    this.retryDelayMs = deps.retryDelayMs ?? 5_000;
    this.minScanIntervalMs = deps.minScanIntervalMs ?? 25;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.deps.onWebhooksChanged(() => this.scanSoon());
    this.scanSoon();
  }

  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.queued = [];
    this.next = 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * A scan reads every NEW webhook, and the projection moves with every change:
   * during a burst of registrations, scanning on each move would cost time
   * proportional to the backlog per change. So while tests are still queued a
   * change only marks that a scan is due once they have all started, and
   * changes that come within the interval share one scan.
   */
  private scanSoon(): void {
    if (this.stopped || this.scanQueued) return;
    if (this.next < this.queued.length) {
      this.changedWhileQueued = true;
      return;
    }
    this.scanQueued = true;
    const run = () => {
      this.scanQueued = false;
      this.lastScanAt = performance.now();
      this.scan();
    };
    const wait = this.lastScanAt + this.minScanIntervalMs - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  private scan(): void {
    if (this.stopped) return;
    let awaiting: { id: string; tenantId: string; version: number }[];
    try {
      awaiting = this.deps.awaitingTest();
    } catch (error) {
      this.deps.logger.error({ err: error }, 'auto-tester could not read the webhooks');
      return;
    }
    const key = (w: { id: string; version: number }) => `${w.id}@${w.version}`;
    // Forget versions no longer waiting, so the set stays as small as the set of NEW webhooks.
    const waiting = new Set(awaiting.map(key));
    this.started = new Set([...this.started].filter((k) => waiting.has(k)));
    for (const webhook of awaiting) {
      if (this.started.has(key(webhook))) continue;
      this.started.add(key(webhook));
      this.queued.push(webhook);
    }
    this.drain();
  }

  private drain(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.next < this.queued.length) {
      const webhook = this.queued[this.next++]!;
      if (this.next === this.queued.length) {
        this.queued = [];
        this.next = 0;
      }
      const run: Promise<void> = this.deps
        .test(webhook.tenantId, webhook.id, webhook.version)
        .then(
          () => undefined,
          (error: unknown) => {
            this.deps.logger.error({ err: error, webhookId: webhook.id }, 'automatic webhook test failed; retrying later');
            setTimeout(() => {
              this.started.delete(`${webhook.id}@${webhook.version}`);
              this.scanSoon();
            }, this.retryDelayMs).unref();
          },
        )
        .finally(() => {
          this.running.delete(run);
          this.drain();
        });
      this.running.add(run);
    }
    if (this.changedWhileQueued && this.next >= this.queued.length) {
      this.changedWhileQueued = false;
      this.scanSoon();
    }
  }
}
