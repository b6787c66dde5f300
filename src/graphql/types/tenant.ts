import { z } from 'zod';
import type { ApiKeyView, TenantView } from '../../../projections/tenants/tenant-queries.js';
import { actorLabel } from '../../access/actor.js';
import { builder } from '../builder.js';
import { requestMeta } from '../request-meta.js';

const ApiKeyRef = builder.objectRef<ApiKeyView>('ApiKey').implement({
  description: 'An API key, without the key itself: it is shown once when issued and stored only as a hash.',
  fields: (t) => ({
    id: t.exposeID('keyId'),
    name: t.exposeString('name'),
    prefix: t.exposeString('keyPrefix', { description: 'The first characters of the key.' }),
    issuedAt: t.field({ type: 'DateTime', resolve: (k) => k.issuedAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.revokedAt }),
  }),
});

const TenantRef = builder.objectRef<TenantView>('Tenant').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    disabledEventTypes: t.exposeStringList('disabledEventTypes', {
      description: 'Event type patterns that no webhook of the tenant receives.',
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (x) => x.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (x) => x.updatedAt }),
    apiKeys: t.field({ type: [ApiKeyRef], resolve: (x, _args, ctx) => ctx.services.tenantQueries.apiKeys(x.id) }),
  }),
});

const tenantIdArg = { description: 'Required with the admin token; a tenant key acts on its own tenant.' };

const CreateTenantInput = builder.inputType('CreateTenantInput', {
  fields: (t) => ({ name: t.string({ required: true, validate: { schema: z.string().max(100) } }) }),
});
const IssueApiKeyInput = builder.inputType('IssueApiKeyInput', {
  fields: (t) => ({
    tenantId: t.id({ required: false, ...tenantIdArg }),
    name: t.string({ required: false, validate: { schema: z.string().max(100) } }),
  }),
});
const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  fields: (t) => ({ tenantId: t.id({ required: false, ...tenantIdArg }), keyId: t.id({ required: true }) }),
});
const UpdateTenantSettingsInput = builder.inputType('UpdateTenantSettingsInput', {
  fields: (t) => ({
    tenantId: t.id({ required: false, ...tenantIdArg }),
    disabledEventTypes: t.stringList({
      required: true,
      description: 'Replaces the list. Patterns: exact names, `prefix.*` or `*`.',
      validate: { schema: z.array(z.string().max(128)).max(100) },
    }),
  }),
});

const CreateTenantPayload = builder.simpleObject('CreateTenantPayload', {
  fields: (t) => ({
    tenant: t.field({ type: TenantRef }),
    apiKey: t.string({ description: 'The tenant’s first API key, shown here once.' }),
    apiKeyId: t.id(),
  }),
});
const IssueApiKeyPayload = builder.simpleObject('IssueApiKeyPayload', {
  fields: (t) => ({ apiKey: t.field({ type: ApiKeyRef }), key: t.string({ description: 'The key, shown here once.' }) }),
});
const ApiKeyPayload = builder.simpleObject('RevokeApiKeyPayload', {
  fields: (t) => ({ apiKey: t.field({ type: ApiKeyRef }) }),
});
const TenantPayload = builder.simpleObject('TenantPayload', {
  fields: (t) => ({ tenant: t.field({ type: TenantRef }) }),
});

builder.queryFields((t) => ({
  tenant: t.field({
    type: TenantRef,
    description: 'The tenant of the API key making the request (or the named one, with the admin token).',
    authScopes: { tenant: true, admin: true },
    args: { id: t.arg.id({ required: false }) },
    resolve: (_root, { id }, ctx) => ctx.services.tenants.tenant(requestMeta(ctx, id).tenantId),
  }),
  tenants: t.field({
    type: [TenantRef],
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => ctx.services.tenantQueries.tenants(),
  }),
}));

builder.mutationFields((t) => ({
  createTenant: t.field({
    type: CreateTenantPayload,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateTenantInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { tenant, apiKey } = await ctx.services.tenants.createTenant(actorLabel(ctx.actor), ctx.correlationId, input.name);
      return { tenant, apiKey: apiKey.plaintext, apiKeyId: apiKey.key.keyId };
    },
  }),
  issueApiKey: t.field({
    type: IssueApiKeyPayload,
    authScopes: { admin: true, tenant: true },
    args: { input: t.arg({ type: IssueApiKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const issued = await ctx.services.tenants.issueApiKey(requestMeta(ctx, input.tenantId), input.name ?? null);
      return { apiKey: issued.key, key: issued.plaintext };
    },
  }),
  revokeApiKey: t.field({
    type: ApiKeyPayload,
    authScopes: { admin: true, tenant: true },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      apiKey: await ctx.services.tenants.revokeApiKey(
        requestMeta(ctx, input.tenantId),
        String(input.keyId),
      ),
    }),
  }),
  updateTenantSettings: t.field({
    type: TenantPayload,
    authScopes: { admin: true, tenant: true },
    args: { input: t.arg({ type: UpdateTenantSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      tenant: await ctx.services.tenants.updateSettings(
        requestMeta(ctx, input.tenantId),
        input.disabledEventTypes,
      ),
    }),
  }),
}));
