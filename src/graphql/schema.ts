import { builder } from './builder.js';
import './types/enums.js';
import './types/webhook.js';
import './types/webhook-mutations.js';
import './types/webhook-history.js';
import './types/tenant.js';

export const schema = builder.toSchema({ sortSchema: true });
