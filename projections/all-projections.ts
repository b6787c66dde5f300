import { deliveryProjection } from './deliveries/delivery-projection.js';
import type { Projection } from './projection.js';
import { tenantProjection } from './tenants/tenant-projection.js';
import { triggerProjection } from './triggers/trigger-projection.js';
import { webhookProjection } from './webhooks/webhook-projection.js';

/**
 * Every projection of the read-model database. The server runs each of them
 * and `hookgate replay` rebuilds each of them: a projection listed here is
 * served and checked, one left out is neither.
 */
export const allProjections: readonly Projection[] = [
  tenantProjection,
  webhookProjection,
  triggerProjection,
  deliveryProjection,
];
