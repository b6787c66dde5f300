import { z } from 'zod';
import type { TriggerRunView } from '../../../projections/triggers/trigger-queries.js';
import type { Trigger } from '../../domain/trigger/trigger-events.js';
import { inboundHookUrl } from '../../server/inbound-hooks-path.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { requestMeta } from '../request-meta.js';
import { HeaderRef } from './webhook.js';

const FORWARDED_PROTO = /^https?$/;
const FORWARDED_HOST = /^[A-Za-z0-9.:[\]-]{1,255}$/;

/**
 * The origin callers reach this server at: the request's own, or the one a
 * proxy in front of it reports. Only shapes a URL shown to the caller itself.
 */
function publicOrigin(ctx: GraphQLContext): string {
  // Yoga puts the HTTP request into every operation's context.
  const request = (ctx as GraphQLContext & { request?: Request }).request;
  if (!request) return '';
  const own = new URL(request.url);
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  return `${proto && FORWARDED_PROTO.test(proto) ? proto : own.protocol.slice(0, -1)}://${host && FORWARDED_HOST.test(host) ? host : own.host}`;
}

export const TriggerRef = builder.objectRef<Trigger>('Trigger').implement({
  description: 'An inbound trigger: calls of its url, verified with its secret, are recorded as runs.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    forwardAsEventType: t.exposeString('forwardAsEventType', {
      nullable: true,
      description: 'When set, every call is also published as an event of this type to the tenant’s webhooks.',
    }),
    url: t.string({
      description: 'Where callers POST: signed with the secret (Standard Webhooks), or with the secret in X-Verify-Signature.',
      resolve: (trigger, _args, ctx) => inboundHookUrl(publicOrigin(ctx), trigger.id),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (trigger) => trigger.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (trigger) => trigger.updatedAt }),
  }),
});

const TriggerBodyEncodingEnum = builder.enumType('TriggerBodyEncoding', {
  values: {
    JSON: { value: 'json', description: 'A JSON content type whose body parsed: body is that value.' },
    TEXT: { value: 'text', description: 'Any other UTF-8 body: body is the text.' },
    BASE64: { value: 'base64', description: 'Bytes that are not UTF-8: body is their base64.' },
  } as const,
});

export const TriggerRunRef = builder.objectRef<TriggerRunView>('TriggerRun').implement({
  description: 'One accepted call of a trigger.',
  fields: (t) => ({
    id: t.exposeID('runId'),
    triggerId: t.exposeID('triggerId'),
    receivedAt: t.field({ type: 'DateTime', resolve: (run) => run.receivedAt }),
    contentType: t.exposeString('contentType', { nullable: true }),
    bodyEncoding: t.field({ type: TriggerBodyEncodingEnum, resolve: (run) => run.bodyEncoding }),
    body: t.field({ type: 'JSON', resolve: (run) => run.body }),
    bodyBytes: t.exposeInt('bodyBytes'),
    headers: t.field({
      type: [HeaderRef],
      description: 'As received, without hop-by-hop headers and credentials (authorization, cookies, signatures, keys).',
      resolve: (run) => Object.entries(run.headers).map(([name, value]) => ({ name, value })),
    }),
    forwardAsEventType: t.exposeString('forwardAsEventType', { nullable: true }),
    forwardedMessageId: t.exposeID('forwardedMessageId', {
      nullable: true,
      description: 'The message the call was published as, once it was forwarded.',
    }),
  }),
});

const text = (max: number) => z.string().max(max);

const CreateTriggerInput = builder.inputType('CreateTriggerInput', {
  fields: (t) => ({
    name: t.string({ required: true, validate: { schema: text(200) } }),
    forwardAsEventType: t.string({
      required: false,
      description: 'Also publish every call as an event of this type (e.g. `order.received`) to the tenant’s webhooks.',
      validate: { schema: text(128) },
    }),
  }),
});

const UpdateTriggerInput = builder.inputType('UpdateTriggerInput', {
  description: 'Fields left out stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: false, validate: { schema: text(200) } }),
    forwardAsEventType: t.string({
      required: false,
      description: 'Publish every call from now on as an event of this type; null or blank stops forwarding.',
      validate: { schema: text(128) },
    }),
  }),
});

const TriggerIdInput = (name: string) => builder.inputType(name, { fields: (t) => ({ id: t.id({ required: true }) }) });
const RotateTriggerSecretInput = TriggerIdInput('RotateTriggerSecretInput');
const DeleteTriggerInput = TriggerIdInput('DeleteTriggerInput');

const TriggerWithSecretPayload = (name: string, description: string) =>
  builder.simpleObject(name, {
    fields: (t) => ({ trigger: t.field({ type: TriggerRef }), secret: t.string({ description }) }),
  });

const CreateTriggerPayload = TriggerWithSecretPayload('CreateTriggerPayload', 'The trigger’s secret (whsec_…), shown here once.');
const RotateTriggerSecretPayload = TriggerWithSecretPayload(
  'RotateTriggerSecretPayload',
  'The new secret, shown here once; the previous one stops working now.',
);
const UpdateTriggerPayload = builder.simpleObject('UpdateTriggerPayload', {
  fields: (t) => ({ trigger: t.field({ type: TriggerRef }) }),
});
const DeleteTriggerPayload = builder.simpleObject('DeleteTriggerPayload', {
  fields: (t) => ({ trigger: t.field({ type: TriggerRef, description: 'The trigger as it was before deletion.' }) }),
});

builder.queryFields((t) => ({
  trigger: t.field({
    type: TriggerRef,
    authScopes: { tenant: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.triggers.get(requestMeta(ctx).tenantId, String(id)),
  }),

  triggers: t.field({
    type: [TriggerRef],
    description: 'The tenant’s triggers, oldest first.',
    authScopes: { tenant: true },
    resolve: (_root, _args, ctx) => ctx.services.triggerQueries.list(requestMeta(ctx).tenantId),
  }),

  triggerRuns: t.connection(
    {
      type: TriggerRunRef,
      description: 'The calls a trigger accepted, newest first.',
      authScopes: { tenant: true },
      args: { triggerId: t.arg.id({ required: true }) },
      validate: {
        schema: z
          .object({
            first: z.number().int().min(1).max(100).nullish(),
            last: z.null({ error: 'backward pagination is not supported; use first and after' }).nullish(),
            before: z.null({ error: 'backward pagination is not supported; use first and after' }).nullish(),
            triggerId: z.union([z.string(), z.number()]).transform(String),
          })
          .loose(),
      },
      resolve: (_root, args, ctx) => {
        const { tenantId } = requestMeta(ctx);
        const triggerId = String(args.triggerId);
        ctx.services.triggers.get(tenantId, triggerId); // another tenant's trigger is NOT_FOUND
        const page = ctx.services.triggerQueries.runs(tenantId, triggerId, args.first ?? 20, args.after ?? undefined);
        return {
          totalCount: page.totalCount,
          edges: page.runs.map((node, i) => ({ node, cursor: page.cursors[i]! })),
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: args.after != null,
            startCursor: page.cursors[0] ?? null,
            endCursor: page.cursors[page.cursors.length - 1] ?? null,
          },
        };
      },
    },
    {
      name: 'TriggerRunConnection',
      fields: (c) => ({ totalCount: c.int({ resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount }) }),
    },
  ),
}));

builder.mutationFields((t) => ({
  createTrigger: t.field({
    type: CreateTriggerPayload,
    authScopes: { tenant: true },
    args: { input: t.arg({ type: CreateTriggerInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.triggers.create(requestMeta(ctx), input),
  }),

  updateTrigger: t.field({
    type: UpdateTriggerPayload,
    description: 'Renames a trigger or changes its forwarding; calls already accepted keep the forwarding they had.',
    authScopes: { tenant: true },
    args: { input: t.arg({ type: UpdateTriggerInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      trigger: await ctx.services.triggers.update(requestMeta(ctx), String(input.id), {
        name: input.name,
        forwardAsEventType: input.forwardAsEventType,
      }),
    }),
  }),

  rotateTriggerSecret: t.field({
    type: RotateTriggerSecretPayload,
    authScopes: { tenant: true },
    args: { input: t.arg({ type: RotateTriggerSecretInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.triggers.rotateSecret(requestMeta(ctx), String(input.id)),
  }),

  deleteTrigger: t.field({
    type: DeleteTriggerPayload,
    description: 'Its url answers 401 from now on; its runs stay in the history (export), not in triggerRuns.',
    authScopes: { tenant: true },
    args: { input: t.arg({ type: DeleteTriggerInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ trigger: await ctx.services.triggers.delete(requestMeta(ctx), String(input.id)) }),
  }),
}));
