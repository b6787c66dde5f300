import { recordedActor, type RecordedActor } from '../../access/actor.js';
import type { WebhookHistoryEntry } from '../../application/webhooks/webhook-history.js';
import { builder } from '../builder.js';
import { requestMeta } from '../request-meta.js';
import { WebhookRef } from './webhook.js';

const ActorKindEnum = builder.enumType('ActorKind', {
  values: {
    ADMIN: { description: 'The operator, with the admin token.' },
    API_KEY: { description: 'A tenant API key: see keyId.' },
    TRIGGER: { description: 'A call of an inbound trigger: see triggerId.' },
    SYSTEM: { description: 'hookgate itself (tests, deliveries, forwarding).' },
    UNKNOWN: { description: 'An event written without an actor.' },
  } as const,
});

/** Who appended an event; shared by every view of recorded events. */
export const EventActorRef = builder.objectRef<RecordedActor>('EventActor').implement({
  description: 'Who did it: the admin, a tenant API key, a trigger call, or the system.',
  fields: (t) => ({
    kind: t.field({ type: ActorKindEnum, resolve: (a) => a.kind }),
    keyId: t.exposeID('keyId', { nullable: true }),
    triggerId: t.exposeID('triggerId', { nullable: true }),
    label: t.exposeString('label', { nullable: true, description: 'As stored: `admin`, `key:<id>`, `trigger:<id>`, `system…`.' }),
  }),
});

export const WebhookHistoryEntryRef = builder.objectRef<WebhookHistoryEntry>('WebhookHistoryEntry').implement({
  description: 'One event of a webhook, as appended: who did it, when, and what changed (secrets redacted).',
  fields: (t) => ({
    eventId: t.exposeID('eventId'),
    type: t.exposeString('type'),
    version: t.exposeInt('version'),
    position: t.string({ description: 'Position in the global log.', resolve: (e) => String(e.position) }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    actor: t.exposeString('actor', { nullable: true, description: 'As stored: `admin`, `key:<apiKeyId>`, `trigger:<id>`, `system…`; see actedBy.' }),
    actedBy: t.field({ type: EventActorRef, resolve: (e) => recordedActor(e.actor) }),
    correlationId: t.exposeString('correlationId', {
      nullable: true,
      description: 'The x-correlation-id of the request that made it (a generated one when the request had none).',
    }),
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

builder.objectField(WebhookRef, 'lastChange', (t) =>
  t.field({
    type: WebhookHistoryEntryRef,
    description: 'The event that made this version: who, when, under which correlation id (also for webhookAt).',
    resolve: async (webhook, _args, ctx) => {
      const entries = await ctx.services.webhookHistory.history(requestMeta(ctx).tenantId, webhook.id);
      const entry = entries.find((e) => e.version === webhook.version);
      if (!entry) throw new Error(`Webhook ${webhook.id} has no event at version ${webhook.version}`);
      return entry;
    },
  }),
);
