import { HEALTH_WINDOW_MS, webhookHealth, type WebhookHealth } from '../../domain/delivery/webhook-health.js';
import type { Webhook } from '../../domain/webhook/webhook-events.js';
import type { Clock } from '../../ports/clock.js';
import type { DeliveryHealthStats } from '../../../projections/deliveries/delivery-queries.js';

export interface WebhookHealthReportView extends WebhookHealth {
  attemptsInWindow: number;
  successesInWindow: number;
  windowHours: number;
  /** First failed delivery attempt after the last success; null while deliveries are not failing. */
  failingSince: string | null;
}

/** `Webhook.health`: the heartbeat rule (see webhookHealth) over the last test and the delivery read model. */
export class WebhookHealthReport {
  constructor(
    private readonly stats: { healthStats(webhookId: string, now: Date, windowMs: number): DeliveryHealthStats },
    private readonly clock: Clock,
  ) {}

  of(webhook: Webhook): WebhookHealthReportView {
    const stats = this.stats.healthStats(webhook.id, this.clock.now(), HEALTH_WINDOW_MS);
    const health = webhookHealth({
      lastTest: webhook.lastTest && { ok: webhook.lastTest.ok, testedAt: webhook.lastTest.testedAt },
      lastSuccessAt: stats.lastSuccessAt,
      lastFailureAt: stats.lastFailureAt,
      attemptsInWindow: stats.attemptsInWindow,
      successesInWindow: stats.successesInWindow,
    });
    return {
      ...health,
      attemptsInWindow: stats.attemptsInWindow,
      successesInWindow: stats.successesInWindow,
      windowHours: HEALTH_WINDOW_MS / 3_600_000,
      failingSince: stats.failingSince,
    };
  }
}
