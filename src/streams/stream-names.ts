/**
 * Every stream name hookgate writes is built here, so that prefixes used by
 * filters and projections cannot drift from the names used by writers.
 */
export const WEBHOOK_STREAM_PREFIX = 'webhook-';
export const TENANT_STREAM_PREFIX = 'tenant-';
export const WEBHOOK_SCOPE_STREAM_PREFIX = 'webhookscope-';
export const MESSAGE_STREAM_PREFIX = 'message-';
export const DELIVERY_STREAM_PREFIX = 'delivery-';
export const IDEMPOTENCY_STREAM_PREFIX = 'idempotency-';
export const TRIGGER_STREAM_PREFIX = 'trigger-';

export const webhookStream = (webhookId: string): string => `${WEBHOOK_STREAM_PREFIX}${webhookId}`;
export const tenantStream = (tenantId: string): string => `${TENANT_STREAM_PREFIX}${tenantId}`;
/** A published message: what an app published and which deliveries it fanned out to. */
export const messageStream = (messageId: string): string => `${MESSAGE_STREAM_PREFIX}${messageId}`;
/** One message to one webhook: its attempts and outcome. */
export const deliveryStream = (deliveryId: string): string => `${DELIVERY_STREAM_PREFIX}${deliveryId}`;
/** Claims an idempotency key of a tenant; `keyDigest` is a hash, so any key text makes a valid stream name. */
export const idempotencyStream = (tenantId: string, keyDigest: string): string =>
  `${IDEMPOTENCY_STREAM_PREFIX}${tenantId}-${keyDigest}`;
/** An inbound trigger: its creation and every call it received. */
export const triggerStream = (triggerId: string): string => `${TRIGGER_STREAM_PREFIX}${triggerId}`;

/**
 * Claims the upsert target of a scope (tenant-level, or one product) so that two
 * concurrent upserts cannot both create a webhook for it.
 */
export const webhookScopeStream = (tenantId: string, productId: string | null): string =>
  `${WEBHOOK_SCOPE_STREAM_PREFIX}${tenantId}-${productId === null ? 'tenant' : `product:${productId}`}`;

export const idFromStream = (prefix: string, streamName: string): string => streamName.slice(prefix.length);
