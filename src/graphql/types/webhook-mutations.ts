import { z } from 'zod';
import { builder } from '../builder.js';
import { requestMeta } from '../request-meta.js';
import { AuthTypeEnum, CloudEnum, WebhookStateEnum } from './enums.js';
import { WebhookRef } from './webhook.js';

// Shape limits only, so that oversized input is refused before it reaches the domain; the rules live there.
const text = (max: number) => z.string().max(max);

const WebhookFiltersInput = builder.inputType('WebhookFiltersInput', {
  description: 'At least one of productId, clouds and eventTypes. eventTypes take exact names, `prefix.*` or `*`.',
  fields: (t) => ({
    productId: t.string({ required: false, validate: { schema: text(128) } }),
    clouds: t.field({ type: [CloudEnum], required: false }),
    eventTypes: t.stringList({ required: false, validate: { schema: z.array(text(128)).max(100) } }),
  }),
});

const WebhookAuthInput = builder.inputType('WebhookAuthInput', {
  description:
    'BASIC: username, password. HEADER_API_KEY: headerName, apiKey. OAUTH2_CLIENT_CREDENTIALS: clientId, clientSecret, tokenUrl, optional scope and audience. NONE: nothing. Secrets are write-only.',
  fields: (t) => ({
    type: t.field({ type: AuthTypeEnum, required: true }),
    username: t.string({ required: false, validate: { schema: text(256) } }),
    password: t.string({ required: false, validate: { schema: text(1024) } }),
    headerName: t.string({ required: false, validate: { schema: text(256) } }),
    apiKey: t.string({ required: false, validate: { schema: text(1024) } }),
    clientId: t.string({ required: false, validate: { schema: text(256) } }),
    clientSecret: t.string({ required: false, validate: { schema: text(1024) } }),
    tokenUrl: t.string({ required: false, validate: { schema: text(2048) } }),
    scope: t.string({ required: false, validate: { schema: text(1024) } }),
    audience: t.string({ required: false, validate: { schema: text(1024) } }),
  }),
});

const HeaderInput = builder.inputType('HeaderInput', {
  fields: (t) => ({
    name: t.string({ required: true, validate: { schema: text(256) } }),
    value: t.string({ required: true, validate: { schema: text(4096) } }),
  }),
});

const configFields = {
  url: text(2048),
  description: text(1000),
};

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    url: t.string({ required: true, validate: { schema: configFields.url } }),
    description: t.string({ required: false, validate: { schema: configFields.description } }),
    filters: t.field({ type: WebhookFiltersInput, required: true }),
    auth: t.field({ type: WebhookAuthInput, required: false, description: 'Default: NONE.' }),
    headers: t.field({ type: [HeaderInput], required: false, validate: { schema: z.array(z.any()).max(20) } }),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  description: 'Fields left out stay as they are. A new url, auth or headers make the webhook NEW (to be tested again).',
  fields: (t) => ({
    id: t.id({ required: true }),
    expectedVersion: t.int({ required: false, description: 'Refuse with CONFLICT unless the webhook is at this version.' }),
    url: t.string({ required: false, validate: { schema: configFields.url } }),
    description: t.string({ required: false, validate: { schema: configFields.description } }),
    filters: t.field({ type: WebhookFiltersInput, required: false }),
    auth: t.field({ type: WebhookAuthInput, required: false }),
    headers: t.field({ type: [HeaderInput], required: false, validate: { schema: z.array(z.any()).max(20) } }),
    state: t.field({ type: WebhookStateEnum, required: false, description: 'Only NEW (test again) or DEACTIVATED.' }),
  }),
});

const WebhookIdInput = (name: string, extra: 'reason' | 'overlap' | 'none') =>
  builder.inputType(name, {
    fields: (t) => ({
      id: t.id({ required: true }),
      expectedVersion: t.int({ required: false }),
      ...(extra === 'reason' && { reason: t.string({ required: false, validate: { schema: text(1000) } }) }),
      ...(extra === 'overlap' && {
        overlapSeconds: t.int({
          required: false,
          description: 'How long the previous secret stays valid too. Default 86400 (24 h).',
          validate: { schema: z.number().int().min(0).max(30 * 24 * 3600) },
        }),
      }),
    }),
  });

const DeactivateWebhookInput = WebhookIdInput('DeactivateWebhookInput', 'reason');
const ReactivateWebhookInput = WebhookIdInput('ReactivateWebhookInput', 'none');
const RotateWebhookSecretInput = WebhookIdInput('RotateWebhookSecretInput', 'overlap');

const WebhookPayload = builder.simpleObject('WebhookPayload', {
  fields: (t) => ({ webhook: t.field({ type: WebhookRef }) }),
});

const WebhookWithSecretPayload = (name: string, description: string) =>
  builder.simpleObject(name, {
    fields: (t) => ({
      webhook: t.field({ type: WebhookRef }),
      signingSecret: t.string({ description }),
    }),
  });

const CreateWebhookPayload = WebhookWithSecretPayload('CreateWebhookPayload', 'The signing secret (whsec_…), shown here once.');
const RotateWebhookSecretPayload = WebhookWithSecretPayload('RotateWebhookSecretPayload', 'The new signing secret, shown here once.');

const UpsertWebhookPayload = builder.simpleObject('UpsertWebhookPayload', {
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef }),
    created: t.boolean({ description: 'True when this call created the webhook of the scope.' }),
    signingSecret: t.string({ nullable: true, description: 'Only when created.' }),
  }),
});

const optionalVersion = (v: number | null | undefined) => v ?? undefined;

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: CreateWebhookPayload,
    authScopes: { tenant: true },
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.webhooks.create(requestMeta(ctx), input),
  }),

  upsertWebhook: t.field({
    type: UpsertWebhookPayload,
    description: 'Creates or updates the one webhook of a scope: its filters.productId, or the tenant level when none.',
    authScopes: { tenant: true },
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.webhooks.upsert(requestMeta(ctx), input),
  }),

  updateWebhook: t.field({
    type: WebhookPayload,
    authScopes: { tenant: true },
    args: { input: t.arg({ type: UpdateWebhookInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      webhook: await ctx.services.webhooks.update(requestMeta(ctx), String(input.id), input, optionalVersion(input.expectedVersion)),
    }),
  }),

  deactivateWebhook: t.field({
    type: WebhookPayload,
    authScopes: { tenant: true },
    args: { input: t.arg({ type: DeactivateWebhookInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      webhook: await ctx.services.webhooks.deactivate(
        requestMeta(ctx),
        String(input.id),
        (input as { reason?: string | null }).reason ?? null,
        optionalVersion(input.expectedVersion),
      ),
    }),
  }),

  reactivateWebhook: t.field({
    type: WebhookPayload,
    authScopes: { tenant: true },
    args: { input: t.arg({ type: ReactivateWebhookInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      webhook: await ctx.services.webhooks.reactivate(requestMeta(ctx), String(input.id), optionalVersion(input.expectedVersion)),
    }),
  }),

  rotateWebhookSecret: t.field({
    type: RotateWebhookSecretPayload,
    authScopes: { tenant: true },
    args: { input: t.arg({ type: RotateWebhookSecretInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.webhooks.rotateSecret(
        requestMeta(ctx),
        String(input.id),
        (input as { overlapSeconds?: number | null }).overlapSeconds ?? null,
        optionalVersion(input.expectedVersion),
      ),
  }),
}));
