import { NotFoundError } from '../../application/errors.js';
import { DELIVERY_OUTCOME_KINDS, type DeliveryOutcome } from '../../realtime/feeds/delivery-outcomes.js';
import { builder } from '../builder.js';
import { AttemptErrorKindEnum, DeliveryFailureReasonEnum } from './delivery.js';
import { liveRequest } from './subscription-request.js';

const DeliveryOutcomeKindEnum = builder.enumType('DeliveryOutcomeKind', {
  values: {
    ATTEMPTED: { description: 'One POST to the receiver was made: see statusCode and error (null when it succeeded).' },
    SUCCEEDED: { description: 'The delivery landed (a 2xx answer).' },
    FAILED: { description: 'The delivery was given up: see failureReason and error.' },
  } satisfies Record<(typeof DELIVERY_OUTCOME_KINDS)[number], { description: string }>,
});

const DeliveryOutcomeRef = builder.objectRef<DeliveryOutcome>('DeliveryOutcome').implement({
  description: 'An attempt, the success or the final failure of a delivery, as it happens.',
  fields: (t) => ({
    kind: t.field({ type: DeliveryOutcomeKindEnum, resolve: (o) => o.kind }),
    deliveryId: t.exposeID('deliveryId'),
    messageId: t.exposeID('messageId', { description: 'The published event: the `webhook-id` the receiver sees.' }),
    webhookId: t.exposeID('webhookId'),
    eventType: t.exposeString('eventType'),
    attempt: t.exposeInt('attempt', {
      description: 'ATTEMPTED: this attempt’s number; SUCCEEDED: the successful attempt’s; FAILED: how many were made.',
    }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The receiver’s answer to the attempt concerned.' }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    error: t.exposeString('error', { nullable: true, description: 'ATTEMPTED: why it failed; FAILED: why the delivery was given up.' }),
    errorKind: t.field({ type: AttemptErrorKindEnum, nullable: true, resolve: (o) => o.errorKind }),
    failureReason: t.field({ type: DeliveryFailureReasonEnum, nullable: true, resolve: (o) => o.failureReason }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, description: 'When the next attempt is due.', resolve: (o) => o.nextAttemptAt }),
    at: t.field({ type: 'DateTime', resolve: (o) => o.at }),
  }),
});

builder.subscriptionFields((t) => ({
  deliveryOutcome: t.field({
    type: DeliveryOutcomeRef,
    description: 'Each attempt, success and final failure of deliveries to the tenant’s webhooks (or to one), as it happens.',
    authScopes: { tenant: true },
    args: { webhookId: t.arg.id({ required: false, description: 'Only deliveries to this webhook.' }) },
    subscribe: async (_root, { webhookId }, ctx) => {
      const request = liveRequest(ctx);
      const id = webhookId == null ? undefined : String(webhookId);
      if (id !== undefined && !(await ctx.services.live.webhookBelongsTo(request.tenantId, id))) {
        throw new NotFoundError('Webhook', id);
      }
      return ctx.services.live.deliveryOutcome({ ...request, ...(id !== undefined && { webhookId: id }) });
    },
    resolve: (outcome) => outcome,
  }),
}));
