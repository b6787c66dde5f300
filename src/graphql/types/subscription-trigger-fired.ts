import { NotFoundError } from '../../application/errors.js';
import { builder } from '../builder.js';
import { liveRequest } from './subscription-request.js';
import { TriggerRunRef } from './trigger.js';

builder.subscriptionFields((t) => ({
  triggerFired: t.field({
    type: TriggerRunRef,
    description: 'Every accepted call of the tenant’s inbound triggers (or of one), with its body and headers, as it arrives.',
    authScopes: { tenant: true },
    args: { triggerId: t.arg.id({ required: false, description: 'Only this trigger.' }) },
    subscribe: async (_root, { triggerId }, ctx) => {
      const request = liveRequest(ctx);
      const id = triggerId == null ? undefined : String(triggerId);
      if (id !== undefined && !(await ctx.services.live.triggerBelongsTo(request.tenantId, id))) {
        throw new NotFoundError('Trigger', id);
      }
      return ctx.services.live.triggerFired({ ...request, ...(id !== undefined && { triggerId: id }) });
    },
    resolve: (run) => run,
  }),
}));
