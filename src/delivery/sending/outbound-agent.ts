import { Agent } from 'undici';
import { buildGuardedConnector } from '../targets/guarded-connector.js';

export interface OutboundAgentOptions {
  /** Skips the SSRF guard (tests, local development). */
  allowPrivateTargets: boolean;
  connectionsPerOrigin: number;
  connectTimeoutMs: number;
}

/**
 * The one connection pool every delivery and token request goes through:
 * keep-alive connections per origin, and (unless private targets are allowed)
 * the SSRF guard where each connection is made.
 */
export function createOutboundAgent(options: OutboundAgentOptions): Agent {
  const connect = { timeout: options.connectTimeoutMs };
  return new Agent({
    connections: options.connectionsPerOrigin,
    // Below the usual 5 s of Node and nginx servers, so we drop idle sockets before they do.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    connect: options.allowPrivateTargets ? connect : buildGuardedConnector(connect),
  });
}
