import type { AllSubscription, EventStore, RecordedEvent } from '../src/eventstore/event-store.js';
import type { Logger } from '../src/logging/logger.js';
import type { Projection } from './projection.js';
import type { ReadModelDatabase } from './read-model-database.js';

export class ProjectionTimeout extends Error {
  override readonly name = 'ProjectionTimeout';
  constructor(projection: string, position: number, reached: number, timeoutMs: number) {
    super(`Projection ${projection} did not reach position ${position} within ${timeoutMs} ms (it is at ${reached})`);
  }
}

export interface ProjectionRunnerOptions {
  /** Most events applied in one transaction. */
  maxBatch?: number;
  /** Wait before resubscribing after the store dropped the subscription. */
  retryDelayMs?: number;
}

interface Waiter {
  position: number;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Feeds one projection from the store: resumes after its checkpoint, applies
 * events in batched transactions (a batch closes as soon as no event is ready),
 * and lets callers wait until it has passed a position.
 */
export class ProjectionRunner {
  private position = 0;
  private subscription: AllSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failure: Error | undefined;
  private waiters: Waiter[] = [];
  private readonly advanceListeners = new Set<(position: number) => void>();
  private readonly appliedListeners = new Set<(events: readonly RecordedEvent[]) => void>();
  private readonly maxBatch: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelDatabase,
    readonly projection: Projection,
    private readonly logger: Logger,
    options: ProjectionRunnerOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1_000;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    const { db } = readModels;
    projection.setup(db);
    const checkpoint = readModels.checkpoint(projection.name);
    if (checkpoint && checkpoint.version !== projection.version) {
      logger.info({ projection: projection.name, from: checkpoint.version, to: projection.version }, 'projection changed; rebuilding');
      this.resetTables();
    } else {
      this.position = checkpoint?.position ?? 0;
    }
  }

  /** The last position whose effects are committed. */
  get checkpoint(): number {
    return this.position;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.unsubscribe();
    await this.running;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`Projection ${this.projection.name} stopped`));
    }
  }

  /** Resolves once everything up to `position` is applied. */
  waitForPosition(position: number, timeoutMs = 5_000): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.position >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new ProjectionTimeout(this.projection.name, position, this.position, timeoutMs));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Calls `listener` whenever newly applied events are committed (or the
   * projection caught up further), e.g. to look at a read model again. Returns
   * the function that removes the listener.
   */
  onAdvance(listener: (position: number) => void): () => void {
    this.advanceListeners.add(listener);
    return () => this.advanceListeners.delete(listener);
  }

  /**
   * Calls `listener` with each batch of events right after its transaction
   * committed, before the advance listeners and the waiters: a cache of the
   * read model can follow what changed. The array is the runner's own and is
   * emptied after the call: keep none of it. Returns the function that removes it.
   */
  onApplied(listener: (events: readonly RecordedEvent[]) => void): () => void {
    this.appliedListeners.add(listener);
    return () => this.appliedListeners.delete(listener);
  }

  private resetTables(): void {
    const { db } = this.readModels;
    db.transaction(() => {
      this.projection.reset(db);
      this.projection.setup(db);
      this.readModels.saveCheckpoint(this.projection.name, { version: this.projection.version, position: 0 });
    })();
    this.position = 0;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.follow();
      } catch (error) {
        if (this.stopped) return;
        if (this.failure) return;
        this.logger.warn({ err: error, projection: this.projection.name }, 'projection subscription dropped; resubscribing');
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      }
    }
  }

  private async follow(): Promise<void> {
    const subscription = this.store.subscribeToAll({ afterPosition: this.position, filter: this.projection.filter });
    this.subscription = subscription;
    const pending: RecordedEvent[] = [];
    // The events a subscription has at hand join one batch, committed as soon as they are all read (the
    // loop below then waits for the next append): a write is visible to the caller waiting for it in the
    // turn it was committed, not a turn later. One scheduled commit per batch, not a race per event.
    let commitScheduled = false;
    const commitBatch = () => {
      commitScheduled = false;
      if (this.stopped) return;
      try {
        this.commit(pending);
      } catch {
        // commit() recorded the failure and stopped the runner; ending the subscription ends the loop.
        void subscription.unsubscribe();
      }
    };
    for await (const message of subscription) {
      if (this.failure) return;
      if (message.kind === 'caughtUp') {
        this.commit(pending);
        this.advanceTo(message.position);
        continue;
      }
      pending.push(message.event);
      if (pending.length >= this.maxBatch) this.commit(pending);
      else if (!commitScheduled) {
        commitScheduled = true;
        process.nextTick(commitBatch);
      }
    }
    if (!this.failure) this.commit(pending);
  }

  private commit(pending: RecordedEvent[]): void {
    if (pending.length === 0) return;
    const { db } = this.readModels;
    const last = pending[pending.length - 1]!.position;
    try {
      db.transaction(() => {
        if (this.projection.applyBatch) this.projection.applyBatch(db, pending);
        else for (const event of pending) this.projection.apply(db, event);
        this.readModels.saveCheckpoint(this.projection.name, { version: this.projection.version, position: last });
      })();
    } catch (error) {
      // A fold that cannot apply an event would make the read model diverge; stop rather than skip it.
      this.failure = new Error(`Projection ${this.projection.name} failed to apply events up to ${last}`, { cause: error });
      this.logger.error({ err: error, projection: this.projection.name, position: last }, 'projection failed; stopped');
      this.stopped = true;
      for (const waiter of this.waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(this.failure);
      }
      throw this.failure;
    }
    for (const listener of this.appliedListeners) {
      try {
        listener(pending);
      } catch (error) {
        this.logger.error({ err: error, projection: this.projection.name }, 'projection applied listener failed');
      }
    }
    pending.length = 0;
    this.advanceTo(last);
  }

  private advanceTo(position: number): void {
    if (position <= this.position) return;
    this.position = position;
    for (const listener of this.advanceListeners) {
      try {
        listener(position);
      } catch (error) {
        this.logger.error({ err: error, projection: this.projection.name }, 'projection advance listener failed');
      }
    }
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.position <= position) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Health: undefined while the projection is fine. */
  get error(): Error | undefined {
    return this.failure;
  }
}
