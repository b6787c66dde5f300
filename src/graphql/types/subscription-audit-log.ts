import { z } from 'zod';
import { recordedActor } from '../../access/actor.js';
import type { AuditLogEntry } from '../../realtime/feeds/audit-log.js';
import { builder } from '../builder.js';
import { liveRequest } from './subscription-request.js';
import { EventActorRef } from './webhook-history.js';

const AuditLogEntryRef = builder.objectRef<AuditLogEntry>('AuditLogEntry').implement({
  description: 'One event of the tenant’s log (secrets redacted).',
  fields: (t) => ({
    position: t.string({
      description: 'Position in the global log; pass the last one seen as `after` to resume.',
      resolve: (e) => String(e.position),
    }),
    eventId: t.exposeID('eventId'),
    type: t.exposeString('type'),
    stream: t.exposeString('stream'),
    version: t.exposeInt('version', { description: 'Revision of the event inside its stream.' }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    actor: t.exposeString('actor', { nullable: true, description: 'As stored: `admin`, `key:<apiKeyId>`, `trigger:<id>`, `system…`; see actedBy.' }),
    actedBy: t.field({ type: EventActorRef, resolve: (e) => recordedActor(e.actor) }),
    correlationId: t.exposeString('correlationId', { nullable: true }),
    data: t.field({ type: 'JSON', resolve: (e) => e.data }),
  }),
});

const position = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a position from an earlier entry (digits only)')
  .refine((value) => Number.isSafeInteger(Number(value)), 'is too large');

builder.subscriptionFields((t) => ({
  auditLog: t.field({
    type: AuditLogEntryRef,
    description:
      'The tenant’s events as they are appended. With `after` (the last position seen), first every later event already in the log, then live ones: each exactly once, in order.',
    authScopes: { tenant: true },
    args: { after: t.arg.string({ required: false, validate: { schema: position } }) },
    subscribe: (_root, { after }, ctx) =>
      ctx.services.live.auditLog({ ...liveRequest(ctx), ...(after != null && { after: Number(after) }) }),
    resolve: (entry) => entry,
  }),
}));
