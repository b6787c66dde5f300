import type { DueDelivery } from '../../../projections/deliveries/due-deliveries.js';

/** What the rule needs to know about this instance. */
export interface Here {
  instanceId: string;
  /** The stream revision at which this instance was handed the delivery (-1: at its publish); undefined if it was not. */
  claimedAt: number | undefined;
  nowMs: number;
  takeoverAfterMs: number;
}

export type Ownership =
  | { mine: true; because: 'handed-here' | 'attempted-here' | 'taken-over' }
  /** `takeoverAt` (epoch ms): when this instance may attempt it anyway. */
  | { mine: false; takeoverAt: number };

/**
 * Whether this gateway instance attempts a due delivery, when several share
 * the work:
 *
 * 1. Handed here: the consumer group gave this instance the event that made
 *    the delivery due (its message's MessagePublished, or its
 *    DeliveryRedeliveryRequested), and nothing has been recorded on it since.
 * 2. Attempted here: this instance recorded the attempt that scheduled this
 *    retry (the log says so, in the attempt's metadata), so retries stay with
 *    their instance, as does a retry after this instance restarts under the
 *    same instance id.
 * 3. Taken over: it is overdue by more than the takeover time, whoever owns
 *    it: its owner died (or is that far behind), and any instance attempts it.
 *    The expected-revision append records one attempt; the others' sends are
 *    duplicates with the same webhook-id, as at-least-once allows.
 */
export function ownershipOf(delivery: Pick<DueDelivery, 'version' | 'attemptedBy' | 'nextAttemptAt'>, here: Here): Ownership {
  if (here.claimedAt !== undefined && delivery.version <= here.claimedAt) return { mine: true, because: 'handed-here' };
  if (delivery.attemptedBy === here.instanceId) return { mine: true, because: 'attempted-here' };
  const takeoverAt = Date.parse(delivery.nextAttemptAt) + here.takeoverAfterMs;
  if (here.nowMs >= takeoverAt) return { mine: true, because: 'taken-over' };
  return { mine: false, takeoverAt };
}
