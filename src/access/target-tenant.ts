import { ForbiddenError, UnauthenticatedError } from '../application/errors.js';
import { DomainError } from '../domain/errors.js';
import type { Actor } from './actor.js';

/**
 * The tenant an operation acts on: a tenant key acts on its own tenant only;
 * the admin names the tenant.
 */
export function targetTenant(actor: Actor, requested: string | null | undefined, field = 'tenantId'): string {
  switch (actor.kind) {
    case 'tenant':
      if (requested && requested !== actor.tenantId) throw new ForbiddenError('An API key can only act on its own tenant');
      return actor.tenantId;
    case 'admin':
      if (!requested) throw DomainError.invalidInput(field, 'is required when acting with the admin token');
      return requested;
    case 'anonymous':
      throw new UnauthenticatedError('A valid API key (Authorization: Bearer <key>) is required');
    default: {
      const unhandled: never = actor;
      return unhandled;
    }
  }
}
