import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import type { ReceiverReply } from './receiver-replies.js';

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/hooks`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The `webhook-id` header: the Standard Webhooks message id, the same on every attempt of a delivery. */
  webhookId: string | null;
  /** Whether `standardwebhooks`' `Webhook(secret).verify(body, headers)` accepts it for at least one receiver secret. */
  verified: boolean;
  /** Every receiver secret the request verifies with (all of them while a rotation overlaps). */
  verifiedWith: string[];
  /** Why verification failed, when it did. */
  verifyError: string | null;
  /** Whether it met the receiver's auth requirement (always true without one); a request that did not got a 401. */
  authorized: boolean;
  /** Which TCP connection carried it (1, 2, …): few distinct values over many requests means keep-alive works. */
  connection: number;
  /** When the body had been read, epoch milliseconds with sub-millisecond precision. */
  receivedAt: number;
}

export type ReceiverBehaviour = ReceiverReply | ((request: ReceivedRequest, index: number) => ReceiverReply);

export type ReceiverAuth =
  | { type: 'basic'; username: string; password: string }
  | { type: 'apiKey'; headerName: string; apiKey: string }
  /** e.g. `{ type: 'bearer', accepts: (token) => tokenEndpoint.isValid(token) }`. */
  | { type: 'bearer'; accepts: (token: string) => boolean };

export interface ReceiverOptions {
  /** `whsec_…` secrets to verify with; can be set later (a webhook's secret is known once it is created). */
  secrets?: readonly string[];
  /** Default: 200 `ok`. */
  behaviour?: ReceiverBehaviour;
  auth?: ReceiverAuth | null;
  /** Keep every request in `requests` (default true); benchmarks may turn it off and use `onRequest`. */
  record?: boolean;
  onRequest?: (request: ReceivedRequest) => void;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks`; any other path on `origin` is received the same way. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  /** Requests in arrival order (when recording). */
  readonly requests: ReceivedRequest[];
  /** Requests received, recorded or not. */
  readonly requestCount: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  setBehaviour(behaviour: ReceiverBehaviour): void;
  setAuth(auth: ReceiverAuth | null): void;
  setSecrets(secrets: readonly string[]): void;
  /** Resolves with the requests once at least `count` have arrived; rejects after `timeoutMs` saying how many did. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Forgets the requests recorded so far and their count (not the connection count). */
  clear(): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY: ReceiverReply = { status: 200, body: 'ok' };
const BIG_BODY_CHUNK = Buffer.alloc(64 * 1024, 'x');

function verifyWithEach(secrets: readonly string[], body: string, headers: IncomingHttpHeaders) {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') flat[name] = value;
  const verifiedWith: string[] = [];
  let verifyError: string | null = secrets.length === 0 ? 'the receiver has no secret' : null;
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(body, flat);
      verifiedWith.push(secret);
    } catch (error) {
      verifyError ??= error instanceof Error ? error.message : String(error);
    }
  }
  return { verified: verifiedWith.length > 0, verifiedWith, verifyError: verifiedWith.length > 0 ? null : verifyError };
}

function isAuthorized(auth: ReceiverAuth | null, headers: IncomingHttpHeaders): boolean {
  if (auth === null) return true;
  switch (auth.type) {
    case 'basic':
      return (
        headers.authorization === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
      );
    case 'apiKey':
      return headers[auth.headerName.toLowerCase()] === auth.apiKey;
    case 'bearer': {
      const match = /^Bearer (.+)$/.exec(headers.authorization ?? '');
      return match !== null && auth.accepts(match[1] as string);
    }
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function writeReply(response: ServerResponse, reply: ReceiverReply): void {
  if (reply.resetSocket) {
    response.socket?.resetAndDestroy();
    return;
  }
  response.statusCode = reply.status ?? 200;
  for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
  if (reply.stall) {
    response.write(reply.body ?? '');
    return;
  }
  if (reply.bodyBytes === undefined) {
    response.end(reply.body ?? '');
    return;
  }
  response.setHeader('content-length', reply.bodyBytes);
  let left = reply.bodyBytes;
  const writeMore = (): void => {
    while (left > 0) {
      const chunk = BIG_BODY_CHUNK.subarray(0, Math.min(left, BIG_BODY_CHUNK.length));
      left -= chunk.length;
      if (!response.write(chunk)) {
        response.once('drain', writeMore);
        return;
      }
    }
    response.end();
  };
  writeMore();
}

/**
 * A real HTTP receiver on 127.0.0.1 (node:http) that verifies every request
 * with the `standardwebhooks` library and answers as told.
 */
export async function startReceiver(options: ReceiverOptions = {}): Promise<WebhookReceiver> {
  let secrets = [...(options.secrets ?? [])];
  let behaviour: ReceiverBehaviour = options.behaviour ?? DEFAULT_REPLY;
  let auth = options.auth ?? null;
  const record = options.record ?? true;
  const requests: ReceivedRequest[] = [];
  let requestCount = 0;
  let connections = 0;
  const connectionIds = new WeakMap<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  let waiters: Array<() => void> = [];

  const server = createServer({ keepAliveTimeout: 5_000 }, (request, response) => {
    void (async () => {
      const body = await readBody(request);
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
        webhookId: typeof request.headers['webhook-id'] === 'string' ? request.headers['webhook-id'] : null,
        ...verifyWithEach(secrets, body, request.headers),
        authorized: isAuthorized(auth, request.headers),
        connection: connectionIds.get(request.socket) ?? 0,
        receivedAt: performance.timeOrigin + performance.now(),
      };
      const index = requestCount++;
      if (record) requests.push(received);
      options.onRequest?.(received);
      const current = waiters;
      waiters = [];
      for (const wake of current) wake();

      const reply: ReceiverReply = !received.authorized
        ? { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: '{"error":"unauthorized"}' }
        : typeof behaviour === 'function'
          ? behaviour(received, index)
          : behaviour;
      if (reply.delayMs === undefined || reply.delayMs <= 0) {
        writeReply(response, reply);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        writeReply(response, reply);
      }, reply.delayMs);
      timers.add(timer);
    })().catch(() => response.destroy());
  });
  server.on('connection', (socket) => connectionIds.set(socket, ++connections));
  // A client that gives up mid-request is normal for a receiver; never let it throw.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/hooks`,
    origin,
    port,
    requests,
    get requestCount() {
      return requestCount;
    },
    get connections() {
      return connections;
    },
    setBehaviour: (next) => {
      behaviour = next;
    },
    setAuth: (next) => {
      auth = next;
    },
    setSecrets: (next) => {
      secrets = [...next];
    },
    waitForRequests: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (requestCount < count) return false;
          clearTimeout(timer);
          resolve(requests);
          return true;
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== wake);
          reject(new Error(`receiver ${origin}: ${requestCount} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = (): void => {
          if (!check()) waiters.push(wake);
        };
        wake();
      }),
    clear: () => {
      requests.length = 0;
      requestCount = 0;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
