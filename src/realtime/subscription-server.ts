import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Actor } from '../access/actor.js';
import type { RecordedEvent } from '../eventstore/event-store.js';
import type { HookgateYoga } from '../graphql/create-yoga.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { Logger } from '../logging/logger.js';
import { TENANT_STREAM_PREFIX } from '../streams/stream-names.js';
import { authorizationFrom, correlationIdFrom } from './connection-params.js';
import type { EventHub } from './event-hub.js';
import { CloseCodes, type LiveConnection } from './live-connection.js';

export interface SubscriptionServerOptions {
  yoga: HookgateYoga;
  hub: EventHub;
  logger: Logger;
  /** The same check HTTP requests get: an `Authorization` value → who it proves. */
  authenticate(authorization: string | undefined): Actor;
  production: boolean;
  /** Largest message a client may send (a subscribe holds one query). */
  maxPayloadBytes?: number;
}

export interface SubscriptionServer {
  /** Connections currently open. */
  readonly connections: number;
  /** Closes every connection (1001), waits briefly for them, then stops accepting. */
  close(): Promise<void>;
}

/** What a connection proved at `connection_init`, kept on graphql-ws's `extra`. */
type ConnectionExtra = { authorization?: string; correlationId?: string; keyId?: string };
type ConnectionContext = Context<Record<string, unknown>, Extra & Partial<ConnectionExtra>>;

const UNAUTHENTICATED = 'Unauthenticated: a valid API key is required in connectionParams ({ authorization: "Bearer <key>" })';
const REVOKED = 'Forbidden: the API key was revoked';
const CLOSE_GRACE_MS = 2_000;

/**
 * GraphQL subscriptions over graphql-ws on the HTTP server's GraphQL path.
 * Every operation runs through Yoga's envelope (yoga.getEnveloped), so the
 * schema, the context (and with it authentication), graphql-armor's limits and
 * error masking are exactly those of HTTP requests.
 */
export function attachSubscriptions(server: Server, options: SubscriptionServerOptions): SubscriptionServer {
  const { yoga, logger } = options;
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: options.maxPayloadBytes ?? 256 * 1024 });
  const socketsByKey = new Map<string, Set<WebSocket>>();

  function track(socket: WebSocket, keyId: string): void {
    let sockets = socketsByKey.get(keyId);
    if (!sockets) socketsByKey.set(keyId, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && socketsByKey.get(keyId) === sockets) socketsByKey.delete(keyId);
    });
  }

  // A revoked key loses its live connections at once, on every gateway instance (the hub reads the shared log).
  const stopWatchingKeys = options.hub.listenToAll({
    deliver(event: RecordedEvent) {
      if (event.type !== 'ApiKeyRevoked' || !event.streamName.startsWith(TENANT_STREAM_PREFIX)) return;
      const keyId = (event.data as { keyId?: unknown }).keyId;
      if (typeof keyId !== 'string') return;
      for (const socket of socketsByKey.get(keyId) ?? []) socket.close(CloseCodes.forbidden, REVOKED);
    },
  });

  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      isProd: options.production,
      execute: (args) => (args as EnvelopedArgs).enveloped.execute(args),
      subscribe: (args) => (args as EnvelopedArgs).enveloped.subscribe(args),

      onConnect: (ctx: ConnectionContext) => {
        const { socket, request } = ctx.extra;
        const authorization = authorizationFrom(ctx.connectionParams, request.headers.authorization);
        const actor = options.authenticate(authorization);
        if (actor.kind === 'anonymous') {
          // Closing here (before graphql-ws's own 4403 "Forbidden") gives the client the reason.
          socket.close(CloseCodes.forbidden, UNAUTHENTICATED);
          return false;
        }
        ctx.extra.authorization = authorization;
        const correlationId = correlationIdFrom(ctx.connectionParams);
        if (correlationId) ctx.extra.correlationId = correlationId;
        if (actor.kind === 'tenant') {
          ctx.extra.keyId = actor.keyId;
          track(socket, actor.keyId);
        }
        return true;
      },

      onSubscribe: async (ctx: ConnectionContext, _id, payload) => {
        const { socket, request } = ctx.extra;
        const connection: LiveConnection = {
          closeTooSlow: (reason) => socket.close(CloseCodes.tooSlow, reason),
        };
        const headers = new Headers();
        if (ctx.extra.authorization) headers.set('authorization', ctx.extra.authorization);
        if (ctx.extra.correlationId) headers.set('x-correlation-id', ctx.extra.correlationId);
        // The context is built by the same function as for HTTP, from a request carrying the connection's key.
        const enveloped = yoga.getEnveloped({
          request: new Request(new URL(request.url ?? '/', 'http://localhost'), { headers }),
          params: payload,
          connection,
        });
        let document;
        try {
          document = enveloped.parse(payload.query);
          // graphql-armor reports some limits by throwing from parse or validate rather than returning them.
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors;
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const contextValue = (await enveloped.contextFactory()) as unknown as GraphQLContext;
        if (contextValue.actor.kind === 'anonymous') {
          // The key was revoked after the connection was accepted.
          socket.close(CloseCodes.forbidden, REVOKED);
          return [new GraphQLError(REVOKED, { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        const args: EnvelopedArgs = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          enveloped,
        };
        return args;
      },
    },
    wss,
  );

  wss.on('error', (error) => logger.error({ err: error }, 'websocket server error'));

  return {
    get connections() {
      return wss.clients.size;
    },
    async close() {
      stopWatchingKeys();
      const sockets = [...wss.clients];
      for (const socket of sockets) socket.close(CloseCodes.goingAway, 'Going away');
      // A client that never answers the close handshake (e.g. one that stopped reading) is not waited for long.
      const terminate = setTimeout(() => {
        for (const socket of sockets) socket.terminate();
      }, CLOSE_GRACE_MS);
      await disposable.dispose();
      clearTimeout(terminate);
    },
  };
}

type Enveloped = ReturnType<HookgateYoga['getEnveloped']>;
type EnvelopedArgs = ExecutionArgs & { enveloped: Enveloped };
