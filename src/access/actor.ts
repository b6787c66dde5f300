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

export type ActorKind = 'ADMIN' | 'API_KEY' | 'TRIGGER' | 'SYSTEM' | 'UNKNOWN';

/** An actor label from event metadata, taken apart for people and tools reading history. */
export interface RecordedActor {
  kind: ActorKind;
  /** The tenant API key, for `key:<id>`. */
  keyId: string | null;
  /** The trigger whose call appended the event, for `trigger:<id>`. */
  triggerId: string | null;
  /** The label as stored. */
  label: string | null;
}

/** The inverse of actorLabel, plus the labels written outside requests (`system…`, `trigger:<id>`). */
export function recordedActor(label: string | null | undefined): RecordedActor {
  const none = { keyId: null, triggerId: null, label: label ?? null };
  if (!label) return { kind: 'UNKNOWN', ...none };
  if (label === 'admin') return { kind: 'ADMIN', ...none };
  if (label === 'system' || label.startsWith('system:')) return { kind: 'SYSTEM', ...none };
  if (label.startsWith('key:') && label.length > 4) return { kind: 'API_KEY', ...none, keyId: label.slice(4) };
  if (label.startsWith('trigger:') && label.length > 8) return { kind: 'TRIGGER', ...none, triggerId: label.slice(8) };
  return { kind: 'UNKNOWN', ...none };
}
