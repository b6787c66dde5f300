import { actorLabel } from '../access/actor.js';
import { targetTenant } from '../access/target-tenant.js';
import type { RequestMeta } from '../application/request-meta.js';
import type { GraphQLContext } from './context.js';

/** The request as the application layer sees it: acting tenant, actor and correlation id. */
export function requestMeta(context: GraphQLContext, requestedTenantId?: string | number | null): RequestMeta {
  return {
    tenantId: targetTenant(context.actor, requestedTenantId == null ? null : String(requestedTenantId)),
    actor: actorLabel(context.actor),
    correlationId: context.correlationId,
  };
}
