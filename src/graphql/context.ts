import type { Actor } from '../access/actor.js';
import type { Services } from '../application/services.js';
import type { LiveConnection } from '../realtime/live-connection.js';

export interface GraphQLContext {
  actor: Actor;
  correlationId: string;
  services: Services;
  /** Set when the operation came over WebSocket: what a subscription needs of its connection. */
  connection?: LiveConnection;
}
