import { builder } from '../builder.js';
import { requestMeta } from '../request-meta.js';
import { DeliveryRef } from './delivery.js';

const RedeliverInput = builder.inputType('RedeliverInput', {
  fields: (t) => ({ deliveryId: t.id({ required: true }) }),
});

const RedeliverFailedInput = builder.inputType('RedeliverFailedInput', {
  fields: (t) => ({
    webhookId: t.id({ required: true }),
    since: t.field({ type: 'DateTime', required: true, description: 'Deliveries of events published at or after this moment.' }),
  }),
});

const RedeliverPayload = builder.simpleObject('RedeliverPayload', {
  fields: (t) => ({ delivery: t.field({ type: DeliveryRef }) }),
});

const RedeliverFailedPayload = builder.simpleObject('RedeliverFailedPayload', {
  fields: (t) => ({ count: t.int({ description: 'How many failed deliveries were sent again.' }) }),
});

builder.mutationFields((t) => ({
  redeliver: t.field({
    type: RedeliverPayload,
    description:
      'Sends a SUCCEEDED or FAILED delivery again, with the same webhook-id, on a new round of the retry schedule. The webhook must not be deactivated.',
    authScopes: { tenant: true },
    args: { input: t.arg({ type: RedeliverInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      delivery: await ctx.services.redelivery.redeliver(requestMeta(ctx), String(input.deliveryId)),
    }),
  }),

  redeliverFailed: t.field({
    type: RedeliverFailedPayload,
    description: 'Sends every FAILED delivery of a webhook published since a moment again (see redeliver).',
    authScopes: { tenant: true },
    args: { input: t.arg({ type: RedeliverFailedInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      count: await ctx.services.redelivery.redeliverFailed(requestMeta(ctx), String(input.webhookId), input.since),
    }),
  }),
}));
