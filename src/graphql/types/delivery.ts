import { z } from 'zod';
import { NotFoundError } from '../../application/errors.js';
import {
  ATTEMPT_ERROR_KINDS,
  DELIVERY_FAILURE_REASONS,
  DELIVERY_STATUSES,
  type DeliveryStatus,
} from '../../domain/delivery/delivery-events.js';
import {
  type AttemptView,
  type DeliveryListFilter,
  type DeliveryPage,
  type DeliveryView,
} from '../../../projections/deliveries/delivery-queries.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { requestMeta } from '../request-meta.js';
import { WebhookRef } from './webhook.js';

export const DeliveryStatusEnum = builder.enumType('DeliveryStatus', {
  description: 'PENDING: an attempt is due, now or at nextAttemptAt. SUCCEEDED and FAILED are final until a redelivery.',
  values: DELIVERY_STATUSES,
});

export const AttemptErrorKindEnum = builder.enumType('AttemptErrorKind', {
  values: {
    HTTP_STATUS: { description: 'The receiver answered with a status other than 2xx (redirects are not followed).' },
    TIMEOUT: { description: 'No complete answer within HOOKGATE_DELIVERY_TIMEOUT_MS.' },
    CONNECTION: { description: 'Refused, reset, DNS or TLS failure.' },
    UNSAFE_TARGET: { description: 'The url resolves to an address deliveries may not reach.' },
    AUTH: { description: 'The OAuth2 token endpoint gave no token.' },
  } satisfies Record<(typeof ATTEMPT_ERROR_KINDS)[number], { description: string }>,
});

export const DeliveryFailureReasonEnum = builder.enumType('DeliveryFailureReason', {
  values: {
    RETRIES_EXHAUSTED: { description: 'Every attempt of the retry schedule failed.' },
    GONE: { description: 'The receiver answered 410 Gone (the webhook was deactivated too).' },
    WEBHOOK_DEACTIVATED: { description: 'The webhook was deactivated when the attempt came due; nothing was sent.' },
    WEBHOOK_NOT_FOUND: { description: 'The webhook no longer exists; nothing was sent.' },
  } satisfies Record<(typeof DELIVERY_FAILURE_REASONS)[number], { description: string }>,
});

export const DeliveryAttemptRef = builder.objectRef<AttemptView>('DeliveryAttempt').implement({
  description: 'One POST to the receiver and what came of it.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: '1-based over the delivery’s life; redeliveries continue the count.' }),
    attemptedAt: t.field({ type: 'DateTime', resolve: (a) => a.attemptedAt }),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
    error: t.exposeString('error', { nullable: true }),
    errorKind: t.field({ type: AttemptErrorKindEnum, nullable: true, resolve: (a) => a.errorKind }),
    responseExcerpt: t.exposeString('responseExcerpt', { nullable: true, description: 'The first 4 KiB of the answer.' }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.nextAttemptAt }),
  }),
});

export const DeliveryRef = builder.objectRef<DeliveryView>('Delivery').implement({
  description: 'One published event to one webhook, with its attempts. Receivers see the message id as `webhook-id` on every attempt.',
  fields: (t) => ({
    id: t.exposeID('id'),
    messageId: t.exposeID('messageId'),
    webhookId: t.exposeID('webhookId'),
    eventType: t.exposeString('eventType'),
    status: t.field({ type: DeliveryStatusEnum, resolve: (d) => d.status }),
    attemptCount: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null) }),
    lastAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => d.lastAttemptAt }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    failureReason: t.field({ type: DeliveryFailureReasonEnum, nullable: true, resolve: (d) => d.failureReason }),
    failureDetail: t.exposeString('failureDetail', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (d) => d.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (d) => d.updatedAt }),
    succeededAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => d.succeededAt }),
    failedAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => d.failedAt }),
    attempts: t.field({ type: [DeliveryAttemptRef], resolve: (d, _args, ctx) => ctx.services.deliveryQueries.attempts(d.id) }),
    webhook: t.field({
      type: WebhookRef,
      nullable: true,
      resolve: (d, _args, ctx) => ctx.services.webhookQueries.webhook(d.tenantId, d.webhookId) ?? null,
    }),
  }),
});

export const DeliveryConnection = builder.connectionObject(
  {
    type: DeliveryRef,
    name: 'DeliveryConnection',
    fields: (t) => ({ totalCount: t.int({ resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount }) }),
  },
  { name: 'DeliveryEdge' },
);

export const DeliveryFilterInput = builder.inputType('DeliveryFilter', {
  fields: (t) => ({
    webhookId: t.id({ required: false }),
    messageId: t.id({ required: false }),
    statuses: t.field({ type: [DeliveryStatusEnum], required: false }),
    createdAfter: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
  }),
});

export const forwardPagination = z
  .object({
    first: z.number().int().min(1).max(100).nullish(),
    last: z.null({ error: 'backward pagination is not supported; use first and after' }).nullish(),
    before: z.null({ error: 'backward pagination is not supported; use first and after' }).nullish(),
  })
  .loose();

interface FilterArgs {
  webhookId?: string | number | null;
  messageId?: string | number | null;
  statuses?: DeliveryStatus[] | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export function deliveryFilter(filter: FilterArgs | null | undefined): DeliveryListFilter {
  return {
    ...(filter?.webhookId != null && { webhookId: String(filter.webhookId) }),
    ...(filter?.messageId != null && { messageId: String(filter.messageId) }),
    ...(filter?.statuses && { statuses: filter.statuses }),
    ...(filter?.createdAfter && { createdAfter: filter.createdAfter }),
    ...(filter?.createdBefore && { createdBefore: filter.createdBefore }),
  };
}

/** A page of deliveries as a Relay connection. */
export function deliveryConnection(
  ctx: GraphQLContext,
  tenantId: string,
  filter: DeliveryListFilter,
  args: { first?: number | null; after?: string | null },
) {
  const page: DeliveryPage = ctx.services.deliveryQueries.list(tenantId, filter, args.first ?? 20, args.after ?? undefined);
  return {
    totalCount: page.totalCount,
    edges: page.deliveries.map((node, i) => ({ node, cursor: page.cursors[i]! })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: args.after != null,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors[page.cursors.length - 1] ?? null,
    },
  };
}

builder.queryFields((t) => ({
  delivery: t.field({
    type: DeliveryRef,
    authScopes: { tenant: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => {
      const delivery = ctx.services.deliveryQueries.delivery(requestMeta(ctx).tenantId, String(id));
      if (!delivery) throw new NotFoundError('Delivery', String(id));
      return delivery;
    },
  }),

  deliveries: t.connection(
    {
      type: DeliveryRef,
      description: 'Newest first.',
      authScopes: { tenant: true },
      args: { filter: t.arg({ type: DeliveryFilterInput, required: false }) },
      validate: { schema: forwardPagination },
      resolve: (_root, args, ctx) => deliveryConnection(ctx, requestMeta(ctx).tenantId, deliveryFilter(args.filter), args),
    },
    DeliveryConnection,
  ),
}));
