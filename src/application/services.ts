import type { DeliveryQueries } from '../../projections/deliveries/delivery-queries.js';
import type { TenantQueries } from '../../projections/tenants/tenant-queries.js';
import type { WebhookQueries } from '../../projections/webhooks/webhook-queries.js';
import type { EventPublisher } from './deliveries/event-publisher.js';
import type { Redelivery } from './deliveries/redelivery.js';
import type { WebhookHealthReport } from './deliveries/webhook-health-report.js';
import type { WebhookTesting } from './deliveries/webhook-testing.js';
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
  publisher: EventPublisher;
  redelivery: Redelivery;
  webhookTesting: WebhookTesting;
  webhookHealth: WebhookHealthReport;
  deliveryQueries: DeliveryQueries;
  /** Live subscriptions (GraphQL subscriptions over WebSocket). */
  live: LiveFeeds;
  triggers: TriggerRegistry;
  triggerQueries: TriggerQueries;
}
