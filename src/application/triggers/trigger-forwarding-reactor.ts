import type { Logger } from '../../logging/logger.js';
import type { RunToForward } from './trigger-forwarding.js';

export interface TriggerForwardingReactorDependencies {
  /** Runs of triggers with forwardAsEventType that have no forwarded message yet, oldest first. */
  awaitingForward(limit: number): RunToForward[];
  /** Publishes one run and records TriggerRunForwarded; safe to repeat. */
  forward(run: RunToForward): Promise<unknown>;
  /** The trigger projection: it moves whenever a call is accepted or a run is recorded as forwarded. */
  onRunsChanged(listener: () => void): () => void;
  logger: Logger;
  concurrency?: number;
  /** After a forward that failed, wait this long before trying that run again. */
  retryDelayMs?: number;
}

/** How many waiting runs one look at the read model takes; the rest are taken as these finish. */
const SCAN_LIMIT = 256;

/**
 * Forwards accepted trigger calls to the tenant's webhooks, at least once. Like
 * the auto-tester it is level-triggered: it looks at which runs the read model
 * shows as not forwarded yet (at start and whenever the trigger projection
 * moves), so it keeps no checkpoint and survives restarts: a run cut short by a
 * crash is still waiting, and is forwarded again under the same idempotency
 * key, which publishes it once.
 */
export class TriggerForwardingReactor {
  /** Run ids taken by this process and still waiting in the read model (in flight, or done and not projected yet). */
  private started = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private queued: RunToForward[] = [];
  private stopped = true;
  private scanQueued = false;
  private unsubscribe: (() => void) | undefined;
  private readonly concurrency: number;
  private readonly retryDelayMs: number;

  constructor(private readonly deps: TriggerForwardingReactorDependencies) {
    this.concurrency = deps.concurrency ?? 8;
    this.retryDelayMs = deps.retryDelayMs ?? 5_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.deps.onRunsChanged(() => this.scanSoon());
    this.scanSoon();
  }

  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.queued = [];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private scanSoon(): void {
    if (this.stopped || this.scanQueued) return;
    this.scanQueued = true;
    setImmediate(() => {
      this.scanQueued = false;
      this.scan();
    });
  }

  private scan(): void {
    if (this.stopped) return;
    let waiting: RunToForward[];
    try {
      waiting = this.deps.awaitingForward(SCAN_LIMIT);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'trigger forwarding could not read the runs');
      return;
    }
    // Runs taken earlier are the oldest, so they are within the limit while they wait: forget the others.
    const ids = new Set(waiting.map((run) => run.runId));
    this.started = new Set([...this.started].filter((id) => ids.has(id)));
    for (const run of waiting) {
      if (this.started.has(run.runId)) continue;
      this.started.add(run.runId);
      this.queued.push(run);
    }
    this.drain();
  }

  private drain(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.queued.length > 0) {
      const run = this.queued.shift()!;
      const forwarding: Promise<void> = this.deps
        .forward(run)
        .then(
          () => undefined,
          (error: unknown) => {
            this.deps.logger.error({ err: error, triggerId: run.triggerId, runId: run.runId }, 'forwarding a trigger call failed; retrying later');
            setTimeout(() => {
              this.started.delete(run.runId);
              this.scanSoon();
            }, this.retryDelayMs).unref();
          },
        )
        .finally(() => {
          this.running.delete(forwarding);
          this.drain();
        });
      this.running.add(forwarding);
    }
  }
}
