import { z } from 'zod';
import type { Webhook, WebhookAuth, WebhookFilters, WebhookTestResult } from '../../domain/webhook/webhook-events.js';
import { NotFoundError } from '../../application/errors.js';
import { builder } from '../builder.js';
import { requestMeta } from '../request-meta.js';
import { AuthTypeEnum, CloudEnum, DeactivationSourceEnum, WebhookScopeEnum, WebhookStateEnum } from './enums.js';

export const WebhookFiltersRef = builder.objectRef<WebhookFilters>('WebhookFilters').implement({
  fields: (t) => ({
    productId: t.exposeString('productId', { nullable: true }),
    clouds: t.field({ type: [CloudEnum], resolve: (f) => f.clouds }),
    eventTypes: t.exposeStringList('eventTypes'),
  }),
});

/** The non-secret parts of a receiver's auth; secrets are write-only. */
export const WebhookAuthRef = builder.objectRef<WebhookAuth>('WebhookAuth').implement({
  fields: (t) => ({
    type: t.field({ type: AuthTypeEnum, resolve: (a) => a.type }),
    username: t.string({ nullable: true, resolve: (a) => (a.type === 'BASIC' ? a.username : null) }),
    headerName: t.string({ nullable: true, resolve: (a) => (a.type === 'HEADER_API_KEY' ? a.headerName : null) }),
    clientId: t.string({ nullable: true, resolve: (a) => (a.type === 'OAUTH2_CLIENT_CREDENTIALS' ? a.clientId : null) }),
    tokenUrl: t.string({ nullable: true, resolve: (a) => (a.type === 'OAUTH2_CLIENT_CREDENTIALS' ? a.tokenUrl : null) }),
    scope: t.string({ nullable: true, resolve: (a) => (a.type === 'OAUTH2_CLIENT_CREDENTIALS' ? a.scope : null) }),
    audience: t.string({ nullable: true, resolve: (a) => (a.type === 'OAUTH2_CLIENT_CREDENTIALS' ? a.audience : null) }),
  }),
});

export const HeaderRef = builder.objectRef<{ name: string; value: string }>('Header').implement({
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

export const WebhookTestRef = builder.objectRef<WebhookTestResult>('WebhookTestResult').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
    error: t.exposeString('error', { nullable: true }),
    testedAt: t.field({ type: 'DateTime', resolve: (r) => r.testedAt }),
  }),
});

export const WebhookRef = builder.objectRef<Webhook>('Webhook').implement({
  description: 'A registered receiver of events. Its secrets are never shown here, except signingSecret to its own tenant.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    state: t.field({ type: WebhookStateEnum, resolve: (w) => w.state }),
    scope: t.field({ type: WebhookScopeEnum, resolve: (w) => (w.productId === null ? 'TENANT' : 'PRODUCT') }),
    productId: t.exposeString('productId', { nullable: true }),
    filters: t.field({ type: WebhookFiltersRef, resolve: (w) => w.filters }),
    auth: t.field({ type: WebhookAuthRef, resolve: (w) => w.auth }),
    headers: t.field({
      type: [HeaderRef],
      resolve: (w) => Object.entries(w.headers).map(([name, value]) => ({ name, value })),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (w) => w.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (w) => w.updatedAt }),
    version: t.exposeInt('version', { description: 'The stream revision of its last event; pass it as expectedVersion.' }),
    lastTest: t.field({ type: WebhookTestRef, nullable: true, resolve: (w) => w.lastTest }),
    deactivationReason: t.string({ nullable: true, resolve: (w) => w.deactivation?.reason ?? null }),
    deactivatedBy: t.field({ type: DeactivationSourceEnum, nullable: true, resolve: (w) => w.deactivation?.source ?? null }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'While the previous signing secret is still accepted after a rotation.',
      resolve: (w) => w.previousSigningSecret?.expiresAt ?? null,
    }),
    signingSecret: t.string({
      description: 'The Standard Webhooks secret (whsec_…) receivers verify signatures with. Only the owning tenant can read it.',
      authScopes: { tenant: true },
      resolve: (w, _args, ctx) => {
        if (ctx.actor.kind !== 'tenant' || ctx.actor.tenantId !== w.tenantId) throw new NotFoundError('Webhook', w.id);
        return ctx.services.webhooks.signingSecretOf(w);
      },
    }),
  }),
});

const WebhookFilterInput = builder.inputType('WebhookFilter', {
  fields: (t) => ({
    states: t.field({ type: [WebhookStateEnum], required: false, description: 'Default: every state but DEACTIVATED.' }),
    productId: t.string({ required: false }),
    tenantLevelOnly: t.boolean({ required: false, description: 'Only webhooks without a product id.' }),
    createdAfter: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
  }),
});

builder.queryFields((t) => ({
  webhook: t.field({
    type: WebhookRef,
    authScopes: { tenant: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => {
      const meta = requestMeta(ctx);
      const webhook = ctx.services.webhookQueries.webhook(meta.tenantId, String(id));
      if (!webhook) throw new NotFoundError('Webhook', String(id));
      return webhook;
    },
  }),

  webhooks: t.connection({
    type: WebhookRef,
    authScopes: { tenant: true },
    args: { filter: t.arg({ type: WebhookFilterInput, required: false }) },
    validate: {
      schema: z.object({
        first: z.number().int().min(1).max(100).nullish(),
        last: z.null({ error: 'backward pagination is not supported; use first and after' }).nullish(),
        before: z.null({ error: 'backward pagination is not supported; use first and after' }).nullish(),
      }).loose(),
    },
    resolve: (_root, args, ctx) => {
      const meta = requestMeta(ctx);
      const page = ctx.services.webhookQueries.list(
        meta.tenantId,
        {
          ...(args.filter?.states && { states: args.filter.states }),
          ...(args.filter?.productId != null && { productId: args.filter.productId }),
          ...(args.filter?.tenantLevelOnly != null && { tenantLevelOnly: args.filter.tenantLevelOnly }),
          ...(args.filter?.createdAfter && { createdAfter: args.filter.createdAfter }),
          ...(args.filter?.createdBefore && { createdBefore: args.filter.createdBefore }),
        },
        args.first ?? 20,
        args.after ?? undefined,
      );
      return {
        totalCount: page.totalCount,
        edges: page.webhooks.map((node, i) => ({ node, cursor: page.cursors[i]! })),
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: args.after != null,
          startCursor: page.cursors[0] ?? null,
          endCursor: page.cursors[page.cursors.length - 1] ?? null,
        },
      };
    },
  }, {
    fields: (c) => ({ totalCount: c.int({ resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount }) }),
  }),

  webhookAt: t.field({
    type: WebhookRef,
    nullable: true,
    description: 'The webhook as it was at a version or a moment (exactly one of them); null before it existed.',
    authScopes: { tenant: true },
    args: {
      id: t.arg.id({ required: true }),
      version: t.arg.int({ required: false, validate: { schema: z.number().int().min(0) } }),
      at: t.arg({ type: 'DateTime', required: false }),
    },
    validate: [
      (args) => (args.version == null) !== (args.at == null),
      { message: 'give exactly one of version and at', path: ['version'] },
    ],
    resolve: async (_root, args, ctx) => {
      const meta = requestMeta(ctx);
      return (
        (await ctx.services.webhookHistory.at(meta.tenantId, String(args.id), {
          ...(args.version != null && { version: args.version }),
          ...(args.at != null && { at: args.at }),
        })) ?? null
      );
    },
  }),
}));
