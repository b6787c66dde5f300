import { describe, expect, it } from 'vitest';
import { failingWebhookReason, shouldDisableFailingWebhook } from '../../src/domain/delivery/auto-disable.js';
import { webhookHealth, type HealthSignals } from '../../src/domain/delivery/webhook-health.js';

describe('shouldDisableFailingWebhook', () => {
  const now = new Date('2025-03-06T00:00:00.000Z');
  const fiveDays = 5 * 24 * 3600 * 1000;

  it('disables once every attempt failed for the whole period', () => {
    expect(shouldDisableFailingWebhook('2025-03-01T00:00:00.000Z', now, fiveDays)).toBe(true);
    expect(shouldDisableFailingWebhook('2025-03-01T00:00:00.001Z', now, fiveDays)).toBe(false);
    expect(shouldDisableFailingWebhook(null, now, fiveDays)).toBe(false);
  });

  it('names the period in the reason', () => {
    expect(failingWebhookReason('5d', '2025-03-01T00:00:00.000Z')).toBe(
      'Every delivery attempt failed for 5d (failing since 2025-03-01T00:00:00.000Z)',
    );
  });
});

describe('webhookHealth', () => {
  const none: HealthSignals = { lastTest: null, lastSuccessAt: null, lastFailureAt: null, attemptsInWindow: 0, successesInWindow: 0 };
  const t = (minute: number) => new Date(Date.UTC(2025, 2, 1, 0, minute)).toISOString();

  it('is UNKNOWN before any test or attempt', () => {
    expect(webhookHealth(none)).toEqual({ status: 'UNKNOWN', successRate: null, lastSuccessAt: null, lastFailureAt: null });
  });

  it('follows the last test while there are no deliveries', () => {
    expect(webhookHealth({ ...none, lastTest: { ok: true, testedAt: t(1) } })).toMatchObject({ status: 'HEALTHY', lastSuccessAt: t(1) });
    expect(webhookHealth({ ...none, lastTest: { ok: false, testedAt: t(1) } })).toMatchObject({ status: 'UNHEALTHY', lastFailureAt: t(1) });
  });

  it('follows the latest contact, test or delivery', () => {
    const failedTestThenDelivered = { ...none, lastTest: { ok: false, testedAt: t(1) }, lastSuccessAt: t(2), attemptsInWindow: 1, successesInWindow: 1 };
    expect(webhookHealth(failedTestThenDelivered)).toMatchObject({ status: 'HEALTHY', successRate: 1, lastFailureAt: t(1) });
    const passedTestThenFailed = { ...none, lastTest: { ok: true, testedAt: t(1) }, lastFailureAt: t(2), attemptsInWindow: 1, successesInWindow: 0 };
    expect(webhookHealth(passedTestThenFailed)).toMatchObject({ status: 'UNHEALTHY', successRate: 0 });
  });

  it('is UNHEALTHY when most recent deliveries failed even if the latest worked', () => {
    const flapping = { ...none, lastSuccessAt: t(5), lastFailureAt: t(4), attemptsInWindow: 10, successesInWindow: 3 };
    expect(webhookHealth(flapping)).toMatchObject({ status: 'UNHEALTHY', successRate: 0.3 });
    expect(webhookHealth({ ...flapping, successesInWindow: 5 })).toMatchObject({ status: 'HEALTHY', successRate: 0.5 });
  });
});
