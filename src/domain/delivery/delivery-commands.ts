import type { Command, Decider } from '../decider.js';
import { DomainError } from '../errors.js';
import { isoTimestamp, requireText } from '../validation.js';
import {
  ATTEMPT_ERROR_KINDS,
  DELIVERY_FAILURE_REASONS,
  evolveDelivery,
  initialDeliveryState,
  isFinal,
  type AttemptErrorKind,
  type DeliveryEvent,
  type DeliveryFailureReason,
  type DeliveryRef,
  type DeliveryState,
} from './delivery-events.js';
import { retryDelayMs } from './retry-timing.js';

/** What one send gave; the worker maps the sender's SendOutcome to it. */
export type AttemptOutcome = {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  errorKind: AttemptErrorKind | null;
  error: string | null;
  responseExcerpt: string | null;
  retryAfterMs: number | null;
};

export type RecordAttempt = Command<
  'RecordAttempt',
  DeliveryRef & {
    outcome: AttemptOutcome;
    /** When the request started. */
    attemptedAt: Date;
    /** When the outcome is recorded; the next attempt is counted from here. */
    now: Date;
    /** Waits in milliseconds before each attempt of a round (see retryDelayMs). */
    schedule: readonly number[];
    /** In [0, 1), drawn by the caller. */
    jitter: number;
  }
>;

/** Sends it again: a new round of the schedule, starting now. */
export type RequestRedelivery = Command<'RequestRedelivery', DeliveryRef & { now: Date }>;

/** Ends a delivery without sending, because its webhook can no longer receive. */
export type FailDelivery = Command<
  'FailDelivery',
  DeliveryRef & { reason: DeliveryFailureReason; detail: string; now: Date }
>;

export type DeliveryCommand = RecordAttempt | RequestRedelivery | FailDelivery;

export const HTTP_GONE = 410;
/** Errors and excerpts come from the network and from receivers: cut them rather than refuse the attempt. */
export const MAX_ATTEMPT_ERROR_LENGTH = 1000;
export const MAX_RESPONSE_EXCERPT_LENGTH = 4096;
export const MAX_FAILURE_DETAIL_LENGTH = 1000;

const invalid = DomainError.invalidInput;

// Event data is written out field by field rather than as `{ ...ref, more }`: on Node 20's V8 an object
// literal that starts with a spread and then adds keys builds new hidden classes on every call (~1 µs a key).
function ref(data: DeliveryRef): DeliveryRef {
  return {
    deliveryId: requireText(data.deliveryId, 'deliveryId', { max: 128 }),
    messageId: requireText(data.messageId, 'messageId', { max: 128 }),
    webhookId: requireText(data.webhookId, 'webhookId', { max: 128 }),
  };
}

function pending(state: DeliveryState, action: string): void {
  if (isFinal(state)) {
    throw DomainError.invalidState(`The delivery is ${state.status.toLowerCase()}: ${action} applies to a pending delivery only`);
  }
}

function cut(value: string | null, max: number): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, max) : null;
}

function validOutcome(outcome: AttemptOutcome): AttemptOutcome {
  if (typeof outcome !== 'object' || outcome === null) throw invalid('outcome', 'is required');
  if (typeof outcome.ok !== 'boolean') throw invalid('outcome.ok', 'must be true or false');
  const { statusCode, durationMs, errorKind, retryAfterMs } = outcome;
  if (statusCode !== null && !(Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 599)) {
    throw invalid('outcome.statusCode', 'must be an HTTP status code (100–599)');
  }
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    throw invalid('outcome.durationMs', 'must be a non-negative number');
  }
  if (errorKind !== null && !ATTEMPT_ERROR_KINDS.includes(errorKind)) {
    throw invalid('outcome.errorKind', `must be one of ${ATTEMPT_ERROR_KINDS.join(', ')}`);
  }
  if (outcome.ok && (statusCode === null || statusCode < 200 || statusCode > 299)) {
    throw invalid('outcome.ok', 'a successful attempt has a 2xx status code');
  }
  if (retryAfterMs !== null && !(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0)) {
    throw invalid('outcome.retryAfterMs', 'must be a non-negative number of milliseconds');
  }
  return {
    ok: outcome.ok,
    statusCode,
    durationMs: Math.round(durationMs),
    errorKind: outcome.ok ? null : (errorKind ?? 'HTTP_STATUS'),
    error: outcome.ok ? null : cut(outcome.error, MAX_ATTEMPT_ERROR_LENGTH),
    responseExcerpt: cut(outcome.responseExcerpt, MAX_RESPONSE_EXCERPT_LENGTH),
    retryAfterMs,
  };
}

function validSchedule(schedule: readonly number[]): readonly number[] {
  if (!Array.isArray(schedule) || schedule.length === 0) throw invalid('schedule', 'must hold at least one step');
  if (!schedule.every((step) => Number.isFinite(step) && step >= 0)) {
    throw invalid('schedule', 'steps must be non-negative numbers of milliseconds');
  }
  return schedule;
}

function recordAttempt({ data }: RecordAttempt, state: DeliveryState): DeliveryEvent[] {
  const { deliveryId, messageId, webhookId } = ref(data);
  const outcome = validOutcome(data.outcome);
  const schedule = validSchedule(data.schedule);
  if (!(typeof data.jitter === 'number' && data.jitter >= 0 && data.jitter < 1)) throw invalid('jitter', 'must be in [0, 1)');
  const attemptedAt = isoTimestamp(data.attemptedAt, 'attemptedAt');
  const now = isoTimestamp(data.now);
  // A stale worker (one that lost a race, or resumed after a crash) must not reopen a finished delivery.
  pending(state, 'recording an attempt');

  const attempt = state.attempts + 1;
  const gone = outcome.statusCode === HTTP_GONE;
  const delay = outcome.ok || gone ? null : retryDelayMs(schedule, state.roundAttempts + 1, data.jitter, outcome.retryAfterMs);
  const nextAttemptAt = delay === null ? null : new Date(data.now.getTime() + delay).toISOString();

  const events: DeliveryEvent[] = [
    {
      type: 'DeliveryAttempted',
      data: {
        deliveryId,
        messageId,
        webhookId,
        attempt,
        attemptedAt,
        statusCode: outcome.statusCode,
        durationMs: outcome.durationMs,
        error: outcome.error,
        errorKind: outcome.errorKind,
        responseExcerpt: outcome.responseExcerpt,
        nextAttemptAt,
      },
    },
  ];
  if (outcome.ok) {
    events.push({ type: 'DeliverySucceeded', data: { deliveryId, messageId, webhookId, attempt, succeededAt: now } });
  } else if (gone) {
    events.push({
      type: 'DeliveryFailed',
      data: {
        deliveryId,
        messageId,
        webhookId,
        attempts: attempt,
        reason: 'GONE',
        detail: 'The receiver answered 410 Gone',
        failedAt: now,
      },
    });
  } else if (nextAttemptAt === null) {
    const rounds = state.roundAttempts + 1;
    events.push({
      type: 'DeliveryFailed',
      data: {
        deliveryId,
        messageId,
        webhookId,
        attempts: attempt,
        reason: 'RETRIES_EXHAUSTED',
        detail: `All ${rounds} attempt${rounds === 1 ? '' : 's'} of the retry schedule failed; the last: ${outcome.error ?? `HTTP ${outcome.statusCode}`}`.slice(
          0,
          MAX_FAILURE_DETAIL_LENGTH,
        ),
        failedAt: now,
      },
    });
  }
  return events;
}

function requestRedelivery({ data }: RequestRedelivery, state: DeliveryState): DeliveryEvent[] {
  const { deliveryId, messageId, webhookId } = ref(data);
  const requestedAt = isoTimestamp(data.now);
  if (!isFinal(state)) throw DomainError.invalidState('The delivery is still pending: it will be attempted again anyway');
  return [{ type: 'DeliveryRedeliveryRequested', data: { deliveryId, messageId, webhookId, requestedAt } }];
}

function failDelivery({ data }: FailDelivery, state: DeliveryState): DeliveryEvent[] {
  const { deliveryId, messageId, webhookId } = ref(data);
  if (!DELIVERY_FAILURE_REASONS.includes(data.reason)) {
    throw invalid('reason', `must be one of ${DELIVERY_FAILURE_REASONS.join(', ')}`);
  }
  const detail = requireText(data.detail, 'detail', { max: MAX_FAILURE_DETAIL_LENGTH });
  const failedAt = isoTimestamp(data.now);
  pending(state, 'failing it');
  return [{ type: 'DeliveryFailed', data: { deliveryId, messageId, webhookId, attempts: state.attempts, reason: data.reason, detail, failedAt } }];
}

export function decideDelivery(command: DeliveryCommand, state: DeliveryState): DeliveryEvent[] {
  switch (command.type) {
    case 'RecordAttempt':
      return recordAttempt(command, state);
    case 'RequestRedelivery':
      return requestRedelivery(command, state);
    case 'FailDelivery':
      return failDelivery(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export const deliveryDecider: Decider<DeliveryCommand, DeliveryEvent, DeliveryState> = {
  decide: decideDelivery,
  evolve: evolveDelivery,
  initialState: initialDeliveryState,
};
