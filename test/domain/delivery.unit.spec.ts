import { describe, expect, it } from 'vitest';
import { deliveryDecider, type AttemptOutcome, type FailDelivery, type RecordAttempt } from '../../src/domain/delivery/delivery-commands.js';
import type { DeliveryAttempted, DeliveryEvent, DeliveryFailed } from '../../src/domain/delivery/delivery-events.js';
import { JITTER_RATIO, MAX_RETRY_AFTER_MS, retryDelayMs } from '../../src/domain/delivery/retry-timing.js';
import { deciderSpec } from './decider-spec.js';

const given = deciderSpec(deliveryDecider);
const T0 = new Date('2025-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const iso = (ms: number) => at(ms).toISOString();
const ref = { deliveryId: 'dlv-1', messageId: 'msg-1', webhookId: 'wh-1' };
const SCHEDULE = [0, 1_000, 10_000];

const ok: AttemptOutcome = { ok: true, statusCode: 200, durationMs: 12, errorKind: null, error: null, responseExcerpt: 'thanks', retryAfterMs: null };
const status = (statusCode: number, retryAfterMs: number | null = null): AttemptOutcome => ({
  ok: false,
  statusCode,
  durationMs: 20,
  errorKind: 'HTTP_STATUS',
  error: `HTTP ${statusCode}`,
  responseExcerpt: 'nope',
  retryAfterMs,
});
const refused: AttemptOutcome = { ok: false, statusCode: null, durationMs: 1, errorKind: 'CONNECTION', error: 'ECONNREFUSED', responseExcerpt: null, retryAfterMs: null };

const record = (outcome: AttemptOutcome, nowMs = 0, data: Partial<RecordAttempt['data']> = {}): RecordAttempt => ({
  type: 'RecordAttempt',
  data: { ...ref, outcome, attemptedAt: at(nowMs - outcome.durationMs), now: at(nowMs), schedule: SCHEDULE, jitter: 0.5, ...data },
});

const attempted = (attempt: number, outcome: AttemptOutcome, nowMs: number, nextAttemptAt: string | null): DeliveryAttempted => ({
  type: 'DeliveryAttempted',
  data: {
    ...ref,
    attempt,
    attemptedAt: iso(nowMs - outcome.durationMs),
    statusCode: outcome.statusCode,
    durationMs: outcome.durationMs,
    error: outcome.error,
    errorKind: outcome.errorKind,
    responseExcerpt: outcome.responseExcerpt,
    nextAttemptAt,
  },
});

const failed = (attempts: number, reason: DeliveryFailed['data']['reason'], detail: string, nowMs: number): DeliveryFailed => ({
  type: 'DeliveryFailed',
  data: { ...ref, attempts, reason, detail, failedAt: iso(nowMs) },
});

const redelivery = (nowMs: number): DeliveryEvent => ({ type: 'DeliveryRedeliveryRequested', data: { ...ref, requestedAt: iso(nowMs) } });

describe('RecordAttempt', () => {
  it('a 2xx on the first attempt succeeds the delivery', () => {
    const state = given([]).when(record(ok, 100)).then([
      attempted(1, ok, 100, null),
      { type: 'DeliverySucceeded', data: { ...ref, attempt: 1, succeededAt: iso(100) } },
    ]);
    expect(state).toEqual({ status: 'SUCCEEDED', attempts: 1, roundAttempts: 1, nextAttemptAt: null });
  });

  it('a failure schedules the next step of the schedule, counted from when it is recorded', () => {
    const state = given([]).when(record(status(500), 100)).then([attempted(1, status(500), 100, iso(100 + 1_000))]);
    expect(state).toEqual({ status: 'PENDING', attempts: 1, roundAttempts: 1, nextAttemptAt: iso(1_100) });
  });

  it('walks the schedule in order and fails once it is used up', () => {
    const history = [attempted(1, refused, 0, iso(1_000)), attempted(2, refused, 1_000, iso(11_000))];
    given(history)
      .when(record(refused, 11_000))
      .then([
        attempted(3, refused, 11_000, null),
        failed(3, 'RETRIES_EXHAUSTED', 'All 3 attempts of the retry schedule failed; the last: ECONNREFUSED', 11_000),
      ]);
  });

  it('a 410 Gone fails the delivery at once, whatever is left of the schedule', () => {
    given([]).when(record(status(410), 5)).then([attempted(1, status(410), 5, null), failed(1, 'GONE', 'The receiver answered 410 Gone', 5)]);
  });

  it('honours a later Retry-After, and ignores an earlier one', () => {
    given([]).when(record(status(503, 60_000), 0)).then([attempted(1, status(503, 60_000), 0, iso(60_000))]);
    given([]).when(record(status(429, 10), 0)).then([attempted(1, status(429, 10), 0, iso(1_000))]);
  });

  it('jitters a step within ±20%', () => {
    const low = given([]).when(record(status(500), 0, { jitter: 0 })).then([attempted(1, status(500), 0, iso(800))]);
    expect(low.nextAttemptAt).toBe(iso(800));
    given([]).when(record(status(500), 0, { jitter: 0.999999 })).then([attempted(1, status(500), 0, iso(1_200))]);
  });

  it('refuses an attempt on a finished delivery (a stale worker)', () => {
    const done = [attempted(1, ok, 0, null), { type: 'DeliverySucceeded', data: { ...ref, attempt: 1, succeededAt: iso(0) } } as DeliveryEvent];
    given(done).when(record(ok, 10)).thenThrows('INVALID_STATE');
    given([attempted(1, status(410), 0, null), failed(1, 'GONE', 'x', 0)]).when(record(ok, 10)).thenThrows('INVALID_STATE');
  });

  it('refuses impossible outcomes and settings, naming the field', () => {
    given([]).when(record({ ...ok, statusCode: 500 })).thenThrows('INVALID_INPUT', 'outcome.ok');
    given([]).when(record({ ...refused, statusCode: 42 })).thenThrows('INVALID_INPUT', 'outcome.statusCode');
    given([]).when(record({ ...refused, durationMs: -1 })).thenThrows('INVALID_INPUT', 'outcome.durationMs');
    given([]).when(record({ ...refused, errorKind: 'LOST' as never })).thenThrows('INVALID_INPUT', 'outcome.errorKind');
    given([]).when(record(refused, 0, { jitter: 1 })).thenThrows('INVALID_INPUT', 'jitter');
    given([]).when(record(refused, 0, { schedule: [] })).thenThrows('INVALID_INPUT', 'schedule');
    given([]).when(record(refused, 0, { now: new Date(Number.NaN) })).thenThrows('INVALID_INPUT', 'now');
    given([]).when(record(refused, 0, { deliveryId: '' })).thenThrows('INVALID_INPUT', 'deliveryId');
  });

  it('cuts long errors and response excerpts rather than refusing them', () => {
    const long: AttemptOutcome = { ...status(500), error: 'e'.repeat(5_000), responseExcerpt: 'r'.repeat(10_000) };
    const [event] = deliveryDecider.decide(record(long, 0), deliveryDecider.initialState()) as [DeliveryAttempted];
    expect(event.data.error).toHaveLength(1_000);
    expect(event.data.responseExcerpt).toHaveLength(4_096);
  });
});

describe('RequestRedelivery', () => {
  const exhausted = [attempted(1, refused, 0, null), failed(1, 'RETRIES_EXHAUSTED', 'x', 0)];

  it('starts a new round of the schedule for a failed delivery, continuing the attempt count', () => {
    const state = given(exhausted).when({ type: 'RequestRedelivery', data: { ...ref, now: at(5_000) } }).then([redelivery(5_000)]);
    expect(state).toEqual({ status: 'PENDING', attempts: 1, roundAttempts: 0, nextAttemptAt: iso(5_000) });
    given([...exhausted, redelivery(5_000)])
      .when(record(refused, 6_000))
      .then([attempted(2, refused, 6_000, iso(7_000))]);
  });

  it('redelivers a succeeded one too', () => {
    given([attempted(1, ok, 0, null), { type: 'DeliverySucceeded', data: { ...ref, attempt: 1, succeededAt: iso(0) } }])
      .when({ type: 'RequestRedelivery', data: { ...ref, now: at(1) } })
      .then([redelivery(1)]);
  });

  it('refuses a pending delivery', () => {
    given([]).when({ type: 'RequestRedelivery', data: { ...ref, now: at(1) } }).thenThrows('INVALID_STATE');
  });
});

describe('FailDelivery', () => {
  const fail = (data: Partial<FailDelivery['data']> = {}): FailDelivery => ({
    type: 'FailDelivery',
    data: { ...ref, reason: 'WEBHOOK_DEACTIVATED', detail: 'The webhook is deactivated', now: at(9), ...data },
  });

  it('ends a pending delivery without an attempt', () => {
    const state = given([attempted(1, refused, 0, iso(1_000))]).when(fail()).then([
      failed(1, 'WEBHOOK_DEACTIVATED', 'The webhook is deactivated', 9),
    ]);
    expect(state.status).toBe('FAILED');
  });

  it('refuses a finished delivery and an unknown reason', () => {
    given([attempted(1, status(410), 0, null), failed(1, 'GONE', 'x', 0)]).when(fail()).thenThrows('INVALID_STATE');
    given([]).when(fail({ reason: 'BORED' as never })).thenThrows('INVALID_INPUT', 'reason');
  });
});

describe('retryDelayMs', () => {
  it('keeps a zero step at zero and stays within the jitter bounds', () => {
    expect(retryDelayMs([0, 100], 0, 0.99, null)).toBe(0);
    for (let i = 0; i < 100; i++) {
      const delay = retryDelayMs([0, 10_000], 1, i / 100, null)!;
      expect(delay).toBeGreaterThanOrEqual(10_000 * (1 - JITTER_RATIO));
      expect(delay).toBeLessThanOrEqual(10_000 * (1 + JITTER_RATIO));
    }
    expect(retryDelayMs([0, 100], 2, 0.5, null)).toBeNull();
  });

  it('caps Retry-After', () => {
    expect(retryDelayMs([0, 100], 1, 0.5, 10 * MAX_RETRY_AFTER_MS)).toBe(MAX_RETRY_AFTER_MS);
  });
});
