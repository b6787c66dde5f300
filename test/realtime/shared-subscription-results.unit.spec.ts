import { type DocumentNode, type ExecutionArgs, type ExecutionResult, GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/access/actor.js';
import { useSharedSubscriptionResults } from '../../src/realtime/shared-subscription-results.js';

/** A source every subscriber reads the same payload objects from, and a count of field executions. */
function fixture() {
  const listeners = new Set<(payload: object) => void>();
  let executions = 0;
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    fields: {
      label: {
        type: GraphQLString,
        args: { prefix: { type: GraphQLString } },
        resolve: (tick: { n: number }, { prefix }: { prefix?: string }) => {
          executions++;
          return `${prefix ?? ''}${tick.n}`;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: {
          type: Tick,
          subscribe: () => {
            const queue: object[] = [];
            let wake: (() => void) | undefined;
            const listener = (payload: object) => {
              queue.push(payload);
              wake?.();
            };
            listeners.add(listener);
            let closed = false;
            return {
              async next() {
                while (queue.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
                return closed ? { done: true, value: undefined } : { done: false, value: queue.shift() };
              },
              async return() {
                closed = true;
                listeners.delete(listener);
                wake?.();
                return { done: true, value: undefined };
              },
              [Symbol.asyncIterator]() {
                return this;
              },
            };
          },
          resolve: (payload: unknown) => payload,
        },
      },
    }),
  });
  const plugin = useSharedSubscriptionResults();
  // Yoga's parser cache hands out one document per query text; so does this.
  const documents = new Map<string, DocumentNode>();
  return {
    listeners,
    publish: (payload: object) => listeners.forEach((listener) => listener(payload)),
    executions: () => executions,
    /** Subscribes as Yoga's envelope would; undefined when the plugin leaves the operation to the default subscribe. */
    async subscribe(query: string, actor: Actor, variables?: Record<string, unknown>) {
      if (!documents.has(query)) documents.set(query, parse(query));
      const args: ExecutionArgs = { schema, document: documents.get(query)!, variableValues: variables, contextValue: { actor } };
      let subscribeFn: ((args: ExecutionArgs) => Promise<unknown>) | undefined;
      const onSubscribe = plugin.onSubscribe as (payload: unknown) => void;
      onSubscribe({ args, setSubscribeFn: (fn: typeof subscribeFn) => (subscribeFn = fn) });
      if (!subscribeFn) return undefined;
      const result = await subscribeFn(args);
      return (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
    },
  };
}

const tenant = (tenantId: string): Actor => ({ kind: 'tenant', tenantId, keyId: `key-${tenantId}` });
const QUERY = 'subscription($p: String) { tick { label(prefix: $p) } }';

describe('shared subscription results', () => {
  it('executes an event once for subscribers of one tenant with the same operation and variables', async () => {
    const { publish, executions, subscribe } = fixture();
    const a = (await subscribe(QUERY, tenant('t1'), { p: '#' }))!;
    const b = (await subscribe(QUERY, tenant('t1'), { p: '#' }))!;
    publish({ n: 1 });
    const [first, second] = await Promise.all([a.next(), b.next()]);
    expect(first.value).toEqual({ data: { tick: { label: '#1' } } });
    expect(second.value).toBe(first.value);
    expect(executions()).toBe(1);
  });

  it('executes separately for other variables and another tenant, and leaves callers without a tenant alone', async () => {
    const { publish, executions, subscribe } = fixture();
    const subscribers = [
      (await subscribe(QUERY, tenant('t1'), { p: '#' }))!,
      (await subscribe(QUERY, tenant('t1'), { p: '>' }))!,
      (await subscribe(QUERY, tenant('t2'), { p: '#' }))!,
    ];
    expect(await subscribe(QUERY, { kind: 'admin' }, { p: '#' })).toBeUndefined();
    publish({ n: 7 });
    const results = await Promise.all(subscribers.map((s) => s.next()));
    expect(results.map((r) => (r.value as ExecutionResult).data)).toEqual([
      { tick: { label: '#7' } },
      { tick: { label: '>7' } },
      { tick: { label: '#7' } },
    ]);
    expect(executions()).toBe(3);
  });

  it('ends the source when the subscriber leaves', async () => {
    const { listeners, subscribe } = fixture();
    const a = (await subscribe(QUERY, tenant('t1')))!;
    const pending = a.next();
    expect(listeners.size).toBe(1);
    await a.return!();
    expect(listeners.size).toBe(0);
    await expect(pending).resolves.toMatchObject({ done: true });
  });
});
