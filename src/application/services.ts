import type { TenantQueries } from '../../projections/tenants/tenant-queries.js';
import type { WebhookQueries } from '../../projections/webhooks/webhook-queries.js';
import type { TriggerQueries } from '../../projections/triggers/trigger-queries.js';
import type { LiveFeeds } from '../realtime/live-feeds.js';
import type { TenantAdmin } from './tenants/tenant-admin.js';
import type { TriggerRegistry } from './triggers/trigger-registry.js';
import type { WebhookHistory } from './webhooks/webhook-history.js';
import type { WebhookRegistry } from './webhooks/webhook-registry.js';

/** Everything the API layer may call: use cases and read models. */
export interface Services {
  webhooks: WebhookRegistry;
  webhookQueries: WebhookQueries;
  webhookHistory: WebhookHistory;
  tenants: TenantAdmin;
  tenantQueries: TenantQueries;
  /** Live subscriptions (GraphQL subscriptions over WebSocket). */
  live: LiveFeeds;
  triggers: TriggerRegistry;
  triggerQueries: TriggerQueries;
}
