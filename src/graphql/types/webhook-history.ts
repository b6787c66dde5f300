import type { WebhookHistoryEntry } from '../../application/webhooks/webhook-history.js';
import { builder } from '../builder.js';
import { requestMeta } from '../request-meta.js';

const WebhookHistoryEntryRef = builder.objectRef<WebhookHistoryEntry>('WebhookHistoryEntry').implement({
  description: 'One event of a webhook, as appended: who did it, when, and what changed (secrets redacted).',
  fields: (t) => ({
    eventId: t.exposeID('eventId'),
    type: t.exposeString('type'),
    version: t.exposeInt('version'),
    position: t.string({ description: 'Position in the global log.', resolve: (e) => String(e.position) }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    actor: t.exposeString('actor', { nullable: true, description: '`admin`, or `key:<apiKeyId>`, or `system`.' }),
    correlationId: t.exposeString('correlationId', { nullable: true }),
    data: t.field({ type: 'JSON', resolve: (e) => e.data }),
  }),
});

builder.queryFields((t) => ({
  webhookHistory: t.field({
    type: [WebhookHistoryEntryRef],
    description: 'The audit trail of a webhook, oldest first.',
    authScopes: { tenant: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.webhookHistory.history(requestMeta(ctx).tenantId, String(id)),
  }),
}));
