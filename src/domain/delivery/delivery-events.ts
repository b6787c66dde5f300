import type { Event } from '../decider.js';

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
/** PENDING: an attempt is due (now or at `nextAttemptAt`); SUCCEEDED and FAILED are final until a redelivery. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Why an attempt failed; mirrors the sender's failure kinds so an attempt record says what happened. */
export const ATTEMPT_ERROR_KINDS = ['HTTP_STATUS', 'TIMEOUT', 'CONNECTION', 'UNSAFE_TARGET', 'AUTH'] as const;
export type AttemptErrorKind = (typeof ATTEMPT_ERROR_KINDS)[number];

export const DELIVERY_FAILURE_REASONS = ['RETRIES_EXHAUSTED', 'GONE', 'WEBHOOK_DEACTIVATED', 'WEBHOOK_NOT_FOUND'] as const;
/**
 * RETRIES_EXHAUSTED: every attempt of the schedule failed. GONE: the receiver
 * answered 410. WEBHOOK_DEACTIVATED / WEBHOOK_NOT_FOUND: nothing was sent
 * because the webhook could no longer receive when the attempt came due.
 */
export type DeliveryFailureReason = (typeof DELIVERY_FAILURE_REASONS)[number];

/** Identifies the delivery in every event, so that each event can be read on its own (projections, audit). */
export type DeliveryRef = { deliveryId: string; messageId: string; webhookId: string };

export type DeliveryAttempted = Event<
  'DeliveryAttempted',
  DeliveryRef & {
    /** 1-based, counted over the delivery's whole life (redeliveries continue the count). */
    attempt: number;
    attemptedAt: string;
    statusCode: number | null;
    durationMs: number;
    error: string | null;
    errorKind: AttemptErrorKind | null;
    responseExcerpt: string | null;
    /** When the next attempt is due; null when this attempt ended the delivery. */
    nextAttemptAt: string | null;
  }
>;

export type DeliverySucceeded = Event<'DeliverySucceeded', DeliveryRef & { attempt: number; succeededAt: string }>;

export type DeliveryFailed = Event<
  'DeliveryFailed',
  DeliveryRef & { attempts: number; reason: DeliveryFailureReason; detail: string; failedAt: string }
>;

export type DeliveryRedeliveryRequested = Event<'DeliveryRedeliveryRequested', DeliveryRef & { requestedAt: string }>;

export type DeliveryEvent = DeliveryAttempted | DeliverySucceeded | DeliveryFailed | DeliveryRedeliveryRequested;
export type DeliveryEventType = DeliveryEvent['type'];

const DELIVERY_EVENT_TYPE_SET: Record<DeliveryEventType, true> = {
  DeliveryAttempted: true,
  DeliverySucceeded: true,
  DeliveryFailed: true,
  DeliveryRedeliveryRequested: true,
};

export const DELIVERY_EVENT_TYPES = Object.keys(DELIVERY_EVENT_TYPE_SET) as readonly DeliveryEventType[];

/**
 * A delivery is created by its message's MessagePublished, not by an event in
 * its own stream: an empty delivery stream is a pending delivery due at
 * publish time. That keeps a publish to one append however many webhooks it
 * fans out to.
 */
export type DeliveryState = {
  status: DeliveryStatus;
  /** Attempts made so far, over every round. */
  attempts: number;
  /** Attempts since the delivery started or was last redelivered: the position in the retry schedule. */
  roundAttempts: number;
  /** When a PENDING delivery is due; null before the first attempt (due at publish time) and once final. */
  nextAttemptAt: string | null;
};

export const initialDeliveryState = (): DeliveryState => ({
  status: 'PENDING',
  attempts: 0,
  roundAttempts: 0,
  nextAttemptAt: null,
});

export const isFinal = (state: DeliveryState): boolean => state.status !== 'PENDING';

export function evolveDelivery(state: DeliveryState, event: DeliveryEvent): DeliveryState {
  switch (event.type) {
    case 'DeliveryAttempted':
      return {
        ...state,
        attempts: event.data.attempt,
        roundAttempts: state.roundAttempts + 1,
        nextAttemptAt: event.data.nextAttemptAt,
      };
    case 'DeliverySucceeded':
      return { ...state, status: 'SUCCEEDED', nextAttemptAt: null };
    case 'DeliveryFailed':
      return { ...state, status: 'FAILED', nextAttemptAt: null };
    case 'DeliveryRedeliveryRequested':
      return { ...state, status: 'PENDING', roundAttempts: 0, nextAttemptAt: event.data.requestedAt };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
