import { type Client, createClient, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export type Result<T> = FormattedExecutionResult<T, unknown>;

/** How a connection ended, as the client saw it. */
export interface Closed {
  code: number;
  reason: string;
}

export interface LiveClient {
  client: Client;
  /** Resolves when the server acknowledged the connection. */
  connected: Promise<void>;
  /** Resolves when the server closed the connection (or it failed to open). */
  closed: Promise<Closed>;
  subscribe<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Subscription<T>;
  dispose(): Promise<void>;
}

export interface Subscription<T> {
  /** Every result received so far, in order. */
  readonly results: Result<T>[];
  /** Resolves once `count` results arrived in total (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Result<T>[]>;
  /** Resolves once the results so far satisfy `done` (rejects after `timeoutMs`). */
  waitUntil(done: (results: Result<T>[]) => boolean, timeoutMs?: number): Promise<Result<T>[]>;
  /** Resolves when the server completed the operation or sent an error; with the error, if any. */
  ended: Promise<unknown>;
  unsubscribe(): void;
}

/** A graphql-ws client (the real one users run) against a server under test; no retries, so a refusal is seen. */
export function liveClient(baseUrl: string, connectionParams: Record<string, unknown> = {}): LiveClient {
  let resolveClosed!: (closed: Closed) => void;
  const closed = new Promise<Closed>((resolve) => {
    resolveClosed = resolve;
  });
  let resolveConnected!: () => void;
  const connected = new Promise<void>((resolve) => {
    resolveConnected = resolve;
  });
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string | Buffer };
        resolveClosed({ code, reason: String(reason) });
      },
    },
    onNonLazyError: () => undefined,
  });

  return {
    client,
    connected,
    closed,
    subscribe<T>(query: string, variables?: Record<string, unknown>): Subscription<T> {
      const results: Result<T>[] = [];
      const waiters: { done(results: Result<T>[]): boolean; resolve(): void }[] = [];
      let resolveEnded!: (error: unknown) => void;
      const ended = new Promise<unknown>((resolve) => {
        resolveEnded = resolve;
      });
      const unsubscribe = client.subscribe<T>(
        { query, ...(variables && { variables }) },
        {
          next: (result) => {
            results.push(result);
            for (const waiter of waiters.filter((w) => w.done(results))) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          },
          error: (error) => resolveEnded(error),
          complete: () => resolveEnded(undefined),
        },
      );
      const waitUntil = (done: (results: Result<T>[]) => boolean, timeoutMs = 30_000, what = 'the expected results') => {
        if (done(results)) return Promise.resolve(results);
        return new Promise<Result<T>[]>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms (got ${results.length})`)), timeoutMs);
          waiters.push({
            done,
            resolve: () => {
              clearTimeout(timer);
              resolve(results);
            },
          });
          void ended.then((error) => {
            if (!done(results)) {
              clearTimeout(timer);
              reject(new Error(`ended after ${results.length} results without ${what}: ${describe(error)}`));
            }
          });
        });
      };
      return {
        results,
        ended,
        unsubscribe,
        waitUntil: (done, timeoutMs) => waitUntil(done, timeoutMs),
        waitFor: (count, timeoutMs) => waitUntil((r) => r.length >= count, timeoutMs, `${count} results`),
      };
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}

function describe(error: unknown): string {
  if (error === undefined) return 'completed';
  if (Array.isArray(error)) return JSON.stringify(error);
  if (error instanceof Error) return error.message;
  const { code, reason } = error as { code?: number; reason?: unknown };
  return code !== undefined ? `closed ${code} ${String(reason)}` : String(error);
}
