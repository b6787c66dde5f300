import type { AllSubscription, EventStore, RecordedEvent } from '../eventstore/event-store.js';
import type { Logger } from '../logging/logger.js';

/** Anything the hub hands events to; `deliver` must not block (queue, or act at once). */
export interface HubListener {
  deliver(event: RecordedEvent): void;
}

export interface EventHubOptions {
  /** Wait before resubscribing after the store dropped the subscription. */
  retryDelayMs?: number;
}

/**
 * One subscription to the whole log per gateway, fanned out in process to
 * every live subscription of every tenant. Because it reads the store (not the
 * gateway's own writes), a client of any instance sees changes made through
 * any other. Events are dispatched in log order; after a dropped subscription
 * it resumes after the last event it dispatched, so listeners see no gap.
 */
export class EventHub {
  private readonly byTenant = new Map<string, Set<HubListener>>();
  private readonly everyTenant = new Set<HubListener>();
  private subscription: AllSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastPosition = 0;
  private readonly retryDelayMs: number;

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
    options: EventHubOptions = {},
  ) {
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
  }

  /** Position of the last event dispatched. */
  get position(): number {
    return this.lastPosition;
  }

  /** Starts after the current head: listeners get what is appended from now on. */
  async start(): Promise<void> {
    if (this.running) return;
    this.lastPosition = await this.store.headPosition();
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.unsubscribe();
    await this.running;
  }

  /** Events whose metadata names this tenant; returns the detach function. */
  listenToTenant(tenantId: string, listener: HubListener): () => void {
    let listeners = this.byTenant.get(tenantId);
    if (!listeners) {
      listeners = new Set();
      this.byTenant.set(tenantId, listeners);
    }
    listeners.add(listener);
    return () => {
      const current = this.byTenant.get(tenantId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.byTenant.delete(tenantId);
    };
  }

  /** Every event, whatever its tenant (for the gateway's own reactions, e.g. closing connections of revoked keys). */
  listenToAll(listener: HubListener): () => void {
    this.everyTenant.add(listener);
    return () => this.everyTenant.delete(listener);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.follow();
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({ err: error, position: this.lastPosition }, 'live subscription hub dropped; resubscribing');
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      }
    }
  }

  private async follow(): Promise<void> {
    const subscription = this.store.subscribeToAll({ afterPosition: this.lastPosition });
    this.subscription = subscription;
    try {
      if (this.stopped) return;
      for await (const message of subscription) {
        if (message.kind === 'event') this.dispatch(message.event);
      }
    } finally {
      // A subscription that failed is abandoned for a new one; make sure the store lets go of it.
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  private dispatch(event: RecordedEvent): void {
    this.lastPosition = event.position;
    for (const listener of this.everyTenant) this.safely(listener, event);
    const tenantId = event.metadata.tenantId;
    if (typeof tenantId !== 'string') return;
    const listeners = this.byTenant.get(tenantId);
    if (!listeners) return;
    for (const listener of listeners) this.safely(listener, event);
  }

  private safely(listener: HubListener, event: RecordedEvent): void {
    try {
      listener.deliver(event);
    } catch (error) {
      // One broken listener must not starve the others or stop the hub.
      this.logger.error({ err: error, position: event.position }, 'a live listener failed on an event');
    }
  }
}
