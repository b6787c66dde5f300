export const WEBHOOK_HEALTH_STATUSES = ['HEALTHY', 'UNHEALTHY', 'UNKNOWN'] as const;
export type WebhookHealthStatus = (typeof WEBHOOK_HEALTH_STATUSES)[number];

/** Recent deliveries count towards the success rate over this window. */
export const HEALTH_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Below this share of successful attempts in the window, a webhook is unhealthy even if its latest contact worked. */
export const HEALTHY_SUCCESS_RATE = 0.5;

export type HealthSignals = {
  lastTest: { ok: boolean; testedAt: string } | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  /** Delivery attempts and successful ones in the window. */
  attemptsInWindow: number;
  successesInWindow: number;
};

export type WebhookHealth = {
  status: WebhookHealthStatus;
  /** Successful share of the delivery attempts in the window; null when there were none. */
  successRate: number | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
};

/**
 * The heartbeat rule. The latest contact is the most recent of the last test
 * and the last delivery attempt (success or failure).
 * - UNKNOWN: never tested and never attempted.
 * - UNHEALTHY: the latest contact failed, or fewer than half of the delivery
 *   attempts of the window succeeded.
 * - HEALTHY: otherwise.
 * lastSuccessAt and lastFailureAt cover tests and deliveries alike.
 */
export function webhookHealth(signals: HealthSignals): WebhookHealth {
  const contacts: { at: string; ok: boolean }[] = [];
  if (signals.lastTest) contacts.push({ at: signals.lastTest.testedAt, ok: signals.lastTest.ok });
  if (signals.lastSuccessAt) contacts.push({ at: signals.lastSuccessAt, ok: true });
  if (signals.lastFailureAt) contacts.push({ at: signals.lastFailureAt, ok: false });
  const successRate = signals.attemptsInWindow > 0 ? signals.successesInWindow / signals.attemptsInWindow : null;
  const latest = (ok: boolean) =>
    contacts.filter((c) => c.ok === ok).reduce<string | null>((max, c) => (max === null || c.at > max ? c.at : max), null);
  const lastSuccessAt = latest(true);
  const lastFailureAt = latest(false);
  if (contacts.length === 0) return { status: 'UNKNOWN', successRate, lastSuccessAt, lastFailureAt };
  // On a tie the failure wins: it is the more cautious reading.
  const latestFailed = lastFailureAt !== null && (lastSuccessAt === null || lastFailureAt >= lastSuccessAt);
  const unhealthy = latestFailed || (successRate !== null && successRate < HEALTHY_SUCCESS_RATE);
  return { status: unhealthy ? 'UNHEALTHY' : 'HEALTHY', successRate, lastSuccessAt, lastFailureAt };
}
