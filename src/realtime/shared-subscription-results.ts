import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';

type PromiseOrValue<T> = T | Promise<T>;

/**
 * Executes each subscription event once per distinct operation, not once per
 * subscriber. A thousand clients watching the same tenant with the same query
 * get the same result object, built once; only the sending stays per client.
 *
 * The result of an event depends on the payload (shared: the live feeds hand
 * every subscriber the same object), the operation (the same document object:
 * Yoga's parser cache returns one per query text), its variables, and whom it
 * is for (fields such as `signingSecret` depend on the tenant). Anything else
 * (a payload that is not an object, no tenant) is executed per subscriber.
 */
export function useSharedSubscriptionResults(): Plugin<GraphQLContext> {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const results = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();

  function shareKey(args: ExecutionArgs): string | undefined {
    const context = args.contextValue as Partial<GraphQLContext> | undefined;
    if (context?.actor?.kind !== 'tenant') return undefined;
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) {
      documentId = nextDocumentId++;
      documentIds.set(args.document, documentId);
    }
    return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? null, context.actor.tenantId]);
  }

  function executeEvent(args: ExecutionArgs, payload: unknown, key: string): PromiseOrValue<ExecutionResult> {
    if (typeof payload !== 'object' || payload === null) return execute({ ...args, rootValue: payload });
    let byKey = results.get(payload);
    if (!byKey) {
      byKey = new Map();
      results.set(payload, byKey);
    }
    let result = byKey.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: payload });
      byKey.set(key, result);
    }
    return result;
  }

  return {
    onSubscribe({ args, setSubscribeFn }) {
      const key = shareKey(args);
      if (key === undefined) return;
      setSubscribeFn(async (subscribeArgs: ExecutionArgs) => {
        const stream = await createSourceEventStream(subscribeArgs);
        if (!isAsyncIterable(stream)) return stream as ExecutionResult;
        return mapEvents(stream as AsyncIterable<unknown>, (payload) => executeEvent(subscribeArgs, payload, key));
      });
    },
  };
}

/** Maps a source of events to results, pulling one event per result and ending the source with it. */
function mapEvents(
  source: AsyncIterable<unknown>,
  map: (payload: unknown) => PromiseOrValue<ExecutionResult>,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async next() {
      const next = await iterator.next();
      if (next.done) return { done: true, value: undefined };
      return { done: false, value: await map(next.value) };
    },
    async return() {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
