import { WEBHOOK_HEALTH_STATUSES } from '../../domain/delivery/webhook-health.js';
import type { WebhookHealthReportView } from '../../application/deliveries/webhook-health-report.js';
import { requestMeta } from '../request-meta.js';
import { builder } from '../builder.js';
import { DeliveryConnection, DeliveryRef, DeliveryStatusEnum, deliveryConnection, forwardPagination } from './delivery.js';
import { WebhookRef, WebhookTestRef } from './webhook.js';

const WebhookHealthStatusEnum = builder.enumType('WebhookHealthStatus', {
  values: WEBHOOK_HEALTH_STATUSES,
});

const WebhookHealthRef = builder.objectRef<WebhookHealthReportView>('WebhookHealth').implement({
  description: `The heartbeat of a webhook, from its last test and its recent deliveries. The latest contact is the most recent of the last test and the last delivery attempt.
UNKNOWN: never tested and never attempted.
UNHEALTHY: the latest contact failed, or fewer than half of the delivery attempts in the window succeeded.
HEALTHY: otherwise.`,
  fields: (t) => ({
    status: t.field({ type: WebhookHealthStatusEnum, resolve: (h) => h.status }),
    successRate: t.float({
      nullable: true,
      description: 'Share of successful delivery attempts in the window (0–1); null without attempts.',
      resolve: (h) => h.successRate,
    }),
    attemptsInWindow: t.exposeInt('attemptsInWindow'),
    successesInWindow: t.exposeInt('successesInWindow'),
    windowHours: t.exposeInt('windowHours', { description: 'The window: this many hours back, counted in whole hours.' }),
    lastSuccessAt: t.field({ type: 'DateTime', nullable: true, description: 'Last successful test or delivery attempt.', resolve: (h) => h.lastSuccessAt }),
    lastFailureAt: t.field({ type: 'DateTime', nullable: true, description: 'Last failed test or delivery attempt.', resolve: (h) => h.lastFailureAt }),
    failingSince: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'First failed delivery attempt after the last success; a webhook failing for HOOKGATE_DISABLE_AFTER is deactivated.',
      resolve: (h) => h.failingSince,
    }),
  }),
});

builder.objectFields(WebhookRef, (t) => ({
  health: t.field({
    type: WebhookHealthRef,
    resolve: (webhook, _args, ctx) => ctx.services.webhookHealth.of(webhook),
  }),
  deliveries: t.connection(
    {
      type: DeliveryRef,
      description: 'This webhook’s deliveries, newest first.',
      args: { statuses: t.arg({ type: [DeliveryStatusEnum], required: false }) },
      validate: { schema: forwardPagination },
      resolve: (webhook, args, ctx) =>
        deliveryConnection(ctx, webhook.tenantId, { webhookId: webhook.id, ...(args.statuses && { statuses: args.statuses }) }, args),
    },
    DeliveryConnection,
  ),
}));

const TestWebhookInput = builder.inputType('TestWebhookInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

const TestWebhookPayload = builder.simpleObject('TestWebhookPayload', {
  fields: (t) => ({
    result: t.field({ type: WebhookTestRef }),
    webhook: t.field({ type: WebhookRef }),
  }),
});

builder.mutationFields((t) => ({
  testWebhook: t.field({
    type: TestWebhookPayload,
    description:
      'Sends a signed `webhook.test` event now and records the outcome (VALID or INVALID). CONFLICT when the webhook’s configuration changed during the test.',
    authScopes: { tenant: true },
    args: { input: t.arg({ type: TestWebhookInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.webhookTesting.test(requestMeta(ctx), String(input.id)),
  }),
}));
