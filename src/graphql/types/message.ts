import { z } from 'zod';
import { NotFoundError } from '../../application/errors.js';
import type { PublishResult } from '../../application/deliveries/event-publisher.js';
import type { MessageView } from '../../../projections/deliveries/delivery-queries.js';
import { builder } from '../builder.js';
import { toApiError } from '../errors.js';
import { requestMeta } from '../request-meta.js';
import { DeliveryRef } from './delivery.js';
import { CloudEnum } from './enums.js';
import { WebhookRef } from './webhook.js';

export const MessageRef = builder.objectRef<MessageView>('Message').implement({
  description: 'An event as an app published it. Its id is the `webhook-id` receivers see.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type'),
    payload: t.field({ type: 'JSON', resolve: (m) => m.payload }),
    productId: t.exposeString('productId', { nullable: true }),
    cloud: t.field({ type: CloudEnum, nullable: true, resolve: (m) => m.cloud }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true }),
    publishedAt: t.field({ type: 'DateTime', resolve: (m) => m.publishedAt }),
    deliveries: t.field({
      type: [DeliveryRef],
      resolve: (m, _args, ctx) => ctx.services.deliveryQueries.deliveriesOfMessage(m.tenantId, m.id),
    }),
  }),
});

const PublishEventInput = builder.inputType('PublishEventInput', {
  fields: (t) => ({
    type: t.string({ required: true, description: 'Dot-separated, e.g. `order.created`.', validate: { schema: z.string().max(128) } }),
    payload: t.field({ type: 'JSON', required: true, description: 'Any JSON, at most 256 KiB; receivers get it as `data`.' }),
    productId: t.string({ required: false, validate: { schema: z.string().max(128) } }),
    cloud: t.field({ type: CloudEnum, required: false }),
    idempotencyKey: t.string({
      required: false,
      description: 'The same key within 24 h answers with the first publish’s result and delivers nothing again.',
      validate: { schema: z.string().max(256) },
    }),
  }),
});

const PublishEventPayload = builder.objectRef<PublishResult>('PublishEventPayload').implement({
  fields: (t) => ({
    message: t.field({ type: MessageRef, resolve: (r) => r.message }),
    deliveries: t.field({ type: [DeliveryRef], description: 'One per receiving webhook.', resolve: (r) => r.deliveries }),
    replayed: t.exposeBoolean('replayed', {
      description: 'True when the idempotency key was already used within 24 h: this is that publish’s result.',
    }),
  }),
});

builder.queryFields((t) => ({
  message: t.field({
    type: MessageRef,
    authScopes: { tenant: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => {
      const message = ctx.services.deliveryQueries.message(requestMeta(ctx).tenantId, String(id));
      if (!message) throw new NotFoundError('Message', String(id));
      return message;
    },
  }),

  resolveWebhooks: t.field({
    type: [WebhookRef],
    description:
      'Who would receive an event of this type, product and cloud now: VALID webhooks whose filters take it; the product’s own webhooks when one of them takes it, else the tenant-level ones; none for a type the tenant switched off.',
    authScopes: { tenant: true },
    args: {
      productId: t.arg.string({ required: false, validate: { schema: z.string().max(128) } }),
      eventType: t.arg.string({ required: true, validate: { schema: z.string().max(128) } }),
      cloud: t.arg({ type: CloudEnum, required: false }),
    },
    resolve: (_root, args, ctx) => {
      try {
        return ctx.services.publisher.resolve(requestMeta(ctx), { productId: args.productId, eventType: args.eventType, cloud: args.cloud });
      } catch (error) {
        throw toApiError(error, '');
      }
    },
  }),
}));

builder.mutationFields((t) => ({
  publishEvent: t.field({
    type: PublishEventPayload,
    description: 'Publishes an event to the tenant’s matching webhooks (see resolveWebhooks) and answers with the deliveries created.',
    authScopes: { tenant: true },
    args: { input: t.arg({ type: PublishEventInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.publisher.publish(requestMeta(ctx), input),
  }),
}));
