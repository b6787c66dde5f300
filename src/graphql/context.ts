import type { Actor } from '../access/actor.js';
import type { Services } from '../application/services.js';

export interface GraphQLContext {
  actor: Actor;
  correlationId: string;
  services: Services;
}
