import type { Actor } from './actor.js';
import { bearerToken, hashApiKey, isAdminToken } from './api-keys.js';

export interface ApiKeyLookup {
  /** The tenant and key id of an active (not revoked) key with this hash. */
  activeKeyByHash(hash: string): { tenantId: string; keyId: string } | undefined;
}

/** Turns an `Authorization: Bearer …` header into the actor it proves; anything unproven is anonymous. */
export function authenticate(authorization: string | null | undefined, adminToken: string | undefined, keys: ApiKeyLookup): Actor {
  const token = bearerToken(authorization);
  if (!token) return { kind: 'anonymous' };
  if (isAdminToken(token, adminToken)) return { kind: 'admin' };
  const key = keys.activeKeyByHash(hashApiKey(token));
  return key ? { kind: 'tenant', tenantId: key.tenantId, keyId: key.keyId } : { kind: 'anonymous' };
}
