import { AUTH_TYPES, CLOUDS, WEBHOOK_STATUSES } from '../../domain/webhook/webhook-events.js';
import { builder } from '../builder.js';

export const WebhookStateEnum = builder.enumType('WebhookState', {
  description: 'NEW until tested; VALID or INVALID after a test; DEACTIVATED until reactivated.',
  values: WEBHOOK_STATUSES,
});

export const AuthTypeEnum = builder.enumType('AuthType', { values: AUTH_TYPES });

export const CloudEnum = builder.enumType('Cloud', { values: CLOUDS });

export const WebhookScopeEnum = builder.enumType('WebhookScope', {
  description: 'PRODUCT: receives events of one product. TENANT: the fallback for products without their own webhook.',
  values: ['PRODUCT', 'TENANT'] as const,
});

export const DeactivationSourceEnum = builder.enumType('DeactivationSource', {
  values: { USER: {}, GONE: { description: 'The receiver answered 410 Gone' }, FAILING: { description: 'Deliveries kept failing' } },
});
