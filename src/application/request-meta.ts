import type { EventMetadata } from '../eventstore/event-store.js';

/** Who asks, for which tenant, under which correlation id: stamped on every event a request appends. */
export interface RequestMeta {
  tenantId: string;
  /** `admin` or `key:<apiKeyId>`. */
  actor: string;
  correlationId: string;
}

export const eventMetadata = (meta: RequestMeta): EventMetadata => ({
  tenantId: meta.tenantId,
  actor: meta.actor,
  correlationId: meta.correlationId,
});
