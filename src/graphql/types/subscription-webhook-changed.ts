import { NotFoundError } from '../../application/errors.js';
import type { WebhookChange } from '../../realtime/feeds/webhook-changes.js';
import { builder } from '../builder.js';
import { WebhookHistoryEntryRef } from './webhook-history.js';
import { WebhookRef } from './webhook.js';
import { liveRequest } from './subscription-request.js';

const WebhookChangeRef = builder.objectRef<WebhookChange>('WebhookChange').implement({
  description: 'A webhook as one event left it, and that event.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook right after the event.', resolve: (c) => c.webhook }),
    event: t.field({ type: WebhookHistoryEntryRef, description: 'What changed, who did it (secrets redacted).', resolve: (c) => c.event }),
  }),
});

builder.subscriptionFields((t) => ({
  webhookChanged: t.field({
    type: WebhookChangeRef,
    description: 'Every state or configuration change of the tenant’s webhooks (or of one), as it happens.',
    authScopes: { tenant: true },
    args: { id: t.arg.id({ required: false, description: 'Only this webhook.' }) },
    subscribe: async (_root, { id }, ctx) => {
      const request = liveRequest(ctx);
      const webhookId = id == null ? undefined : String(id);
      if (webhookId !== undefined && !(await ctx.services.live.webhookBelongsTo(request.tenantId, webhookId))) {
        throw new NotFoundError('Webhook', webhookId);
      }
      return ctx.services.live.webhookChanged({ ...request, ...(webhookId !== undefined && { webhookId }) });
    },
    resolve: (change) => change,
  }),
}));
