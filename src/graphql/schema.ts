import { builder } from './builder.js';
import './types/enums.js';
import './types/webhook.js';
import './types/webhook-mutations.js';
import './types/webhook-history.js';
import './types/tenant.js';
import './types/delivery.js';
import './types/delivery-mutations.js';
import './types/message.js';
import './types/webhook-health.js';
import './types/subscription-webhook-changed.js';
import './types/subscription-audit-log.js';
import './types/subscription-trigger-fired.js';
import './types/subscription-delivery-outcome.js';
import './types/trigger.js';

export const schema = builder.toSchema({ sortSchema: true });
