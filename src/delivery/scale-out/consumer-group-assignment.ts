import type { CompetingConsumers, CompetingMessage, CompetingSubscription } from '../../eventstore/competing-consumers.js';
import type { Logger } from '../../logging/logger.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { DueDelivery } from '../../../projections/deliveries/due-deliveries.js';
import type { DeliveryAssignment } from '../worker/delivery-assignment.js';
import { DeliveryClaims } from './delivery-claims.js';
import { DELIVERY_WORK_EVENT_TYPES, handedOutDeliveries } from './delivery-work-events.js';
import { ownershipOf } from './ownership-rule.js';

/**
 * The consumer group every gateway instance joins. The version is in the
 * name: a group's filter is fixed when it is created, so a change to which
 * events hand out work means a new name (and the old group deleted by hand).
 */
export const DELIVERY_WORK_GROUP = 'hookgate-delivery-v1';

const MAX_SLEEP_MS = 60_000;

export interface ConsumerGroupAssignmentOptions {
  consumers: CompetingConsumers;
  /** This instance: the consumer name in the group, and what its recorded attempts carry as `instanceId`. */
  instanceId: string;
  /** How long past its due time a delivery waits for its owner before this instance attempts it anyway. */
  takeoverAfterMs: number;
  logger: Logger;
  clock?: Clock;
  group?: string;
  /** Unsettled messages the group may hand this instance at once. Each is settled as soon as it is claimed. */
  bufferSize?: number;
  /** Wait before joining again after the group subscription failed (the store stayed away too long). */
  rejoinDelayMs?: number;
}

/**
 * Delivery work shared by several gateway instances through a consumer group
 * (a KurrentDB persistent subscription) over the events that make
 * deliveries due (see `delivery-work-events.ts`).
 *
 * The group hands each such event to one instance, which claims the
 * deliveries it names (in memory) and acknowledges it: that instance makes
 * their next attempt. The unit is the message, as published (one event, one
 * hand-out, one acknowledgement for all its deliveries, whose body this
 * instance then builds once); a redelivery hands out the one delivery.
 * After an attempt, the log says who recorded it, and its retries stay with
 * that instance. Anything due that nobody attempts (its owner died with it
 * claimed or scheduled) is attempted by every instance once it is overdue by
 * `takeoverAfterMs`; see `ownershipOf`. The worker appends each outcome
 * against the delivery's expected revision, so the record stays single.
 *
 * Changes of ownership wake the worker through `onChange`: when a hand-out
 * arrives (the read model may already show the delivery due), and when a
 * delivery this instance passed over reaches its takeover time (the worker
 * does not wait for due times already past).
 */
export class ConsumerGroupAssignment implements DeliveryAssignment {
  readonly sharedWithOthers = true;
  private readonly claims: DeliveryClaims;
  private readonly listeners = new Set<() => void>();
  private readonly clock: Clock;
  private readonly group: string;
  private readonly rejoinDelayMs: number;
  private subscription: CompetingSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private changeQueued = false;
  private takeoverTimer: NodeJS.Timeout | undefined;
  private takeoverTimerAt: number | undefined;
  private readonly stopSignal = new AbortController();

  constructor(private readonly options: ConsumerGroupAssignmentOptions) {
    this.claims = new DeliveryClaims(options.takeoverAfterMs);
    this.clock = options.clock ?? systemClock;
    this.group = options.group ?? DELIVERY_WORK_GROUP;
    this.rejoinDelayMs = options.rejoinDelayMs ?? 5_000;
  }

  mayAttempt(delivery: DueDelivery): boolean {
    const nowMs = this.clock.now().getTime();
    const ownership = ownershipOf(delivery, {
      instanceId: this.options.instanceId,
      claimedAt: this.claims.claimedAt(delivery.id, delivery.version, nowMs),
      nowMs,
      takeoverAfterMs: this.options.takeoverAfterMs,
    });
    if (!ownership.mine) this.wakeAt(ownership.takeoverAt);
    return ownership.mine;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Joins the group; resolves once joined, or once the first try failed (it keeps trying: overdue work is taken over meanwhile). */
  async start(): Promise<void> {
    if (this.running || this.stopped) return;
    await new Promise<void>((firstTry) => {
      this.running = this.run(firstTry);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    clearTimeout(this.takeoverTimer);
    this.takeoverTimer = undefined;
    await this.subscription?.close();
    await this.running;
    this.listeners.clear();
  }

  /** Deliveries claimed and not yet outgrown or expired (for tests and metrics). */
  get claimCount(): number {
    return this.claims.size;
  }

  private async run(firstTry: () => void): Promise<void> {
    while (!this.stopped) {
      try {
        const subscription = await this.options.consumers.join({
          group: this.group,
          consumerName: this.options.instanceId,
          filter: { eventTypePrefixes: [...DELIVERY_WORK_EVENT_TYPES] },
          // A group created on a log with pending work hands that out too, instead of leaving it to the takeover.
          startFrom: 'start',
          bufferSize: this.options.bufferSize ?? 64,
        });
        if (this.stopped) {
          await subscription.close();
          break;
        }
        this.subscription = subscription;
        this.options.logger.info({ group: this.group, instanceId: this.options.instanceId }, 'joined the delivery consumer group');
        firstTry();
        for await (const message of subscription) await this.take(message);
      } catch (error) {
        if (this.stopped) break;
        this.options.logger.error(
          { err: error, group: this.group },
          'the delivery consumer group failed; overdue deliveries are still taken over meanwhile; joining again',
        );
        firstTry();
        await this.pause(this.rejoinDelayMs);
      } finally {
        this.subscription = undefined;
      }
    }
    firstTry();
  }

  private async take(message: CompetingMessage): Promise<void> {
    const handedOut = handedOutDeliveries(message.event);
    if (handedOut.length > 0) {
      const nowMs = this.clock.now().getTime();
      for (const { deliveryId, revision } of handedOut) this.claims.claim(deliveryId, revision, nowMs);
      this.changed();
    }
    try {
      await message.ack();
    } catch (error) {
      // The group hands it out again (here or elsewhere); a second claim of the same work is harmless.
      this.options.logger.warn({ err: error, eventId: message.event.id }, 'could not acknowledge delivery work');
    }
  }

  /** Wakes the worker when the earliest delivery it passed over may be taken over. */
  private wakeAt(takeoverAt: number): void {
    if (this.stopped) return;
    if (this.takeoverTimerAt !== undefined && this.takeoverTimerAt <= takeoverAt) return;
    clearTimeout(this.takeoverTimer);
    this.takeoverTimerAt = takeoverAt;
    // A few ms late rather than early (the worker compares with its own clock reading), and never a long sleep:
    // on waking the worker asks again, which sets the next wake.
    const delay = Math.min(MAX_SLEEP_MS, Math.max(0, takeoverAt - this.clock.now().getTime()) + 5);
    this.takeoverTimer = setTimeout(() => {
      this.takeoverTimer = undefined;
      this.takeoverTimerAt = undefined;
      this.changed();
    }, delay);
    this.takeoverTimer.unref();
  }

  /** Many changes in one turn make one wake. */
  private changed(): void {
    if (this.changeQueued || this.stopped) return;
    this.changeQueued = true;
    setImmediate(() => {
      this.changeQueued = false;
      for (const listener of this.listeners) listener();
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopSignal.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
