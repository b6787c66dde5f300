/**
 * Every stream name hookgate writes is built here, so that prefixes used by
 * filters and projections cannot drift from the names used by writers.
 */
export const WEBHOOK_STREAM_PREFIX = 'webhook-';
export const TENANT_STREAM_PREFIX = 'tenant-';
export const WEBHOOK_SCOPE_STREAM_PREFIX = 'webhookscope-';

export const webhookStream = (webhookId: string): string => `${WEBHOOK_STREAM_PREFIX}${webhookId}`;
export const tenantStream = (tenantId: string): string => `${TENANT_STREAM_PREFIX}${tenantId}`;

/**
 * Claims the upsert target of a scope (tenant-level, or one product) so that two
 * concurrent upserts cannot both create a webhook for it.
 */
export const webhookScopeStream = (tenantId: string, productId: string | null): string =>
  `${WEBHOOK_SCOPE_STREAM_PREFIX}${tenantId}-${productId === null ? 'tenant' : `product:${productId}`}`;

export const idFromStream = (prefix: string, streamName: string): string => streamName.slice(prefix.length);
