/** Who is calling: the operator holding the admin token, a tenant's API key, or nobody. */
export type Actor =
  | { kind: 'admin' }
  | { kind: 'tenant'; tenantId: string; keyId: string }
  | { kind: 'anonymous' };

/** How an actor is written into event metadata and shown in history. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'admin':
      return 'admin';
    case 'tenant':
      return `key:${actor.keyId}`;
    case 'anonymous':
      return 'anonymous';
    default: {
      const unhandled: never = actor;
      return unhandled;
    }
  }
}
