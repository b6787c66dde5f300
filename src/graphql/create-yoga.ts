import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '../logging/logger.js';
import { useSharedSubscriptionResults } from '../realtime/shared-subscription-results.js';
import type { GraphQLContext } from './context.js';
import { invalidVariableError, toApiError } from './errors.js';

export interface YogaOptions {
  schema: GraphQLSchema;
  logger: Logger;
  production: boolean;
  /** Builds the per-request context from the HTTP request (or the WebSocket upgrade request). */
  context: (request: Request) => Promise<GraphQLContext>;
}

export type HookgateYoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/**
 * Known failures (domain rules, not found, conflicts, auth) become coded API
 * errors; anything else is logged and masked as an internal error.
 */
function mapError(logger: Logger) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    const invalidVariable = error instanceof GraphQLError ? invalidVariableError(error) : undefined;
    if (invalidVariable) return invalidVariable;
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const mapped = toApiError(original);
    if (mapped instanceof GraphQLError) {
      if (error instanceof GraphQLError && mapped !== error) {
        return new GraphQLError(mapped.message, { nodes: error.nodes, path: error.path, extensions: mapped.extensions });
      }
      return mapped;
    }
    logger.error({ err: original }, 'unexpected error in a GraphQL operation');
    return maskError(error, message, isDev);
  };
}

export function createHookgateYoga(options: YogaOptions): HookgateYoga {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    graphiql: !options.production,
    landingPage: false,
    // The HTTP server admits a body only with a Content-Length within MAX_GRAPHQL_BODY_BYTES and reads it
    // whole before Yoga sees it (src/server/app.ts); Yoga's own limit would pipe that buffer through a
    // byte-counting stream on every request again.
    maxRequestBodySize: false,
    logging: {
      debug: (...args) => options.logger.debug(args.map(String).join(' ')),
      info: (...args) => options.logger.info(args.map(String).join(' ')),
      warn: (...args) => options.logger.warn(args.map(String).join(' ')),
      error: (...args) => options.logger.error(args.map(String).join(' ')),
    },
    maskedErrors: { maskError: mapError(options.logger), isDev: false },
    context: ({ request }) => options.context(request),
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 10 },
        maxAliases: { n: 15 },
        maxDirectives: { n: 20 },
        maxTokens: { n: 2_000 },
        costLimit: { maxCost: 5_000 },
        blockFieldSuggestion: { enabled: options.production },
      }),
      useSharedSubscriptionResults(),
    ],
  });
}
