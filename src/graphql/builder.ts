import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import ZodPlugin from '@pothos/plugin-zod';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { GraphQLContext } from './context.js';
import { apiError, zodValidationError } from './errors.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  AuthScopes: { admin: boolean; tenant: boolean };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, SimpleObjectsPlugin, ZodPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // Subscription fields are authorised once, when subscribing, not again for every event.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      admin: context.actor.kind === 'admin',
      tenant: context.actor.kind === 'tenant',
    }),
    unauthorizedError: (_parent, context) =>
      context.actor.kind === 'anonymous'
        ? apiError('UNAUTHENTICATED', 'A valid API key (Authorization: Bearer <key>) is required')
        : apiError('FORBIDDEN', 'This operation is not allowed with these credentials'),
  },
  zod: {
    validationError: (error) => zodValidationError(error),
  },
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
