import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import type { EventStore } from '../eventstore/event-store.js';
import type { Logger } from '../logging/logger.js';
import { handleHealthCheck } from './health-check.js';

export interface AppDependencies {
  config: Config;
  store: EventStore;
  logger: Logger;
}

export interface App {
  /** Listens on the configured host and port; resolves with the base url. */
  start(): Promise<string>;
  /** Stops accepting requests, closes open connections, then closes the store. */
  stop(): Promise<void>;
  readonly server: Server;
}

export function buildApp({ config, store, logger }: AppDependencies): App {
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      await handleHealthCheck(store, req, res);
      return;
    }
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ error: 'not found' }));
  }

  let stopping: Promise<void> | undefined;

  return {
    server,
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const { address, port } = server.address() as AddressInfo;
          const host = address.includes(':') ? `[${address}]` : address;
          resolve(`http://${host}:${port}`);
        });
      }),
    stop: () => {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 5_000).unref();
        });
        await store.close();
      })();
      return stopping;
    },
  };
}
