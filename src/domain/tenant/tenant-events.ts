import type { Event } from '../decider.js';
import { eventTypeMatches } from '../event-type-patterns.js';

export type TenantApiKey = {
  keyId: string;
  name: string;
  /** Hex SHA-256 of the key; the key itself is never stored. */
  keyHash: string;
  /** The first characters of the key, for people to tell their keys apart. */
  keyPrefix: string;
  issuedAt: string;
  revoked: boolean;
  revokedAt: string | null;
};

export type Tenant = {
  exists: true;
  id: string;
  name: string;
  /** By key id. */
  apiKeys: Record<string, TenantApiKey>;
  /** Event type patterns no webhook of the tenant receives (e.g. a tenant-wide switch for `private-offer.*`). */
  disabledEventTypes: string[];
  createdAt: string;
  updatedAt: string;
  /** Stream revision of the last event: 0 right after creation. */
  version: number;
};

export type TenantState = { exists: false } | Tenant;

export type TenantCreated = Event<'TenantCreated', { tenantId: string; name: string; createdAt: string }>;

export type ApiKeyIssued = Event<
  'ApiKeyIssued',
  { keyId: string; name: string; keyHash: string; keyPrefix: string; issuedAt: string }
>;

export type ApiKeyRevoked = Event<'ApiKeyRevoked', { keyId: string; revokedAt: string }>;

/** Carries the whole list, not a diff: the last event says what is disabled. */
export type TenantSettingsUpdated = Event<'TenantSettingsUpdated', { disabledEventTypes: string[]; updatedAt: string }>;

export type TenantEvent = TenantCreated | ApiKeyIssued | ApiKeyRevoked | TenantSettingsUpdated;

export type TenantEventType = TenantEvent['type'];

/** A record, so that an event added to the union and not listed here fails to compile. */
const TENANT_EVENT_TYPE_SET: Record<TenantEventType, true> = {
  TenantCreated: true,
  ApiKeyIssued: true,
  ApiKeyRevoked: true,
  TenantSettingsUpdated: true,
};

export const TENANT_EVENT_TYPES = Object.keys(TENANT_EVENT_TYPE_SET) as readonly TenantEventType[];

export const initialTenantState = (): TenantState => ({ exists: false });

/** Only decideTenant writes tenant streams; anything else is a bug worth failing on. */
function corruptStream(event: TenantEvent, state: TenantState): Error {
  return new Error(`Cannot apply ${event.type} to a tenant that ${state.exists ? 'already exists' : 'does not exist'}`);
}

function nextRevision(state: TenantState, event: TenantEvent): Tenant {
  if (!state.exists) throw corruptStream(event, state);
  return { ...state, version: state.version + 1 };
}

export function evolveTenant(state: TenantState, event: TenantEvent): TenantState {
  switch (event.type) {
    case 'TenantCreated':
      if (state.exists) throw corruptStream(event, state);
      return {
        exists: true,
        id: event.data.tenantId,
        name: event.data.name,
        apiKeys: {},
        disabledEventTypes: [],
        createdAt: event.data.createdAt,
        updatedAt: event.data.createdAt,
        version: 0,
      };
    case 'ApiKeyIssued': {
      const tenant = nextRevision(state, event);
      const { keyId, name, keyHash, keyPrefix, issuedAt } = event.data;
      return {
        ...tenant,
        apiKeys: { ...tenant.apiKeys, [keyId]: { keyId, name, keyHash, keyPrefix, issuedAt, revoked: false, revokedAt: null } },
      };
    }
    case 'ApiKeyRevoked': {
      const tenant = nextRevision(state, event);
      const key = Object.hasOwn(tenant.apiKeys, event.data.keyId) ? tenant.apiKeys[event.data.keyId] : undefined;
      if (!key) throw new Error(`Cannot revoke unknown API key ${event.data.keyId}`);
      return {
        ...tenant,
        apiKeys: { ...tenant.apiKeys, [key.keyId]: { ...key, revoked: true, revokedAt: event.data.revokedAt } },
      };
    }
    case 'TenantSettingsUpdated':
      return {
        ...nextRevision(state, event),
        disabledEventTypes: event.data.disabledEventTypes,
        updatedAt: event.data.updatedAt,
      };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Whether the tenant switched this event type off for all its webhooks. */
export function tenantDisablesEventType(state: TenantState, type: string): boolean {
  return state.exists && state.disabledEventTypes.some((pattern) => eventTypeMatches(pattern, type));
}

export function findApiKey(tenant: Tenant, keyId: string): TenantApiKey | undefined {
  return Object.hasOwn(tenant.apiKeys, keyId) ? tenant.apiKeys[keyId] : undefined;
}
