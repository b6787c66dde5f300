import type { Command, Decider } from '../decider.js';
import { DomainError } from '../errors.js';
import { validateEventTypePatterns } from '../event-type-patterns.js';
import { isoTimestamp, requireText, sameStringSet } from '../validation.js';
import {
  evolveTenant,
  findApiKey,
  initialTenantState,
  type Tenant,
  type TenantEvent,
  type TenantState,
} from './tenant-events.js';

export type CreateTenant = Command<'CreateTenant', { tenantId: string; name: string; now: Date }>;

/** The caller generates the key, shows it once, and passes only its hash and display prefix. */
export type IssueApiKey = Command<
  'IssueApiKey',
  { keyId: string; name: string; keyHash: string; keyPrefix: string; now: Date }
>;

export type RevokeApiKey = Command<'RevokeApiKey', { keyId: string; now: Date }>;

/** Replaces the whole list of disabled event-type patterns. */
export type UpdateTenantSettings = Command<
  'UpdateTenantSettings',
  { disabledEventTypes: readonly string[]; now: Date }
>;

export type TenantCommand = CreateTenant | IssueApiKey | RevokeApiKey | UpdateTenantSettings;

export const MAX_TENANT_NAME_LENGTH = 100;
export const MAX_API_KEY_NAME_LENGTH = 100;
export const MAX_API_KEY_PREFIX_LENGTH = 32;
export const MAX_TENANT_ID_LENGTH = 128;

const SHA256_HEX = /^[0-9a-f]{64}$/;

function existing(state: TenantState): Tenant {
  if (!state.exists) throw DomainError.notFound('Tenant not found');
  return state;
}

function createTenant({ data }: CreateTenant, state: TenantState): TenantEvent[] {
  if (state.exists) throw DomainError.alreadyExists(`Tenant ${state.id} already exists`, 'tenantId');
  const tenantId = requireText(data.tenantId, 'tenantId', { max: MAX_TENANT_ID_LENGTH });
  const name = requireText(data.name, 'name', { max: MAX_TENANT_NAME_LENGTH, trim: true });
  return [{ type: 'TenantCreated', data: { tenantId, name, createdAt: isoTimestamp(data.now) } }];
}

function issueApiKey({ data }: IssueApiKey, state: TenantState): TenantEvent[] {
  const tenant = existing(state);
  const keyId = requireText(data.keyId, 'keyId', { max: MAX_TENANT_ID_LENGTH });
  const name = requireText(data.name, 'name', { max: MAX_API_KEY_NAME_LENGTH, trim: true });
  if (typeof data.keyHash !== 'string' || !SHA256_HEX.test(data.keyHash)) {
    throw DomainError.invalidInput('keyHash', 'must be a lowercase hex SHA-256 (64 characters)');
  }
  const keyPrefix = requireText(data.keyPrefix, 'keyPrefix', { max: MAX_API_KEY_PREFIX_LENGTH });
  const issuedAt = isoTimestamp(data.now);
  if (findApiKey(tenant, keyId)) throw DomainError.alreadyExists(`API key ${keyId} already exists`, 'keyId');
  if (Object.values(tenant.apiKeys).some((key) => key.keyHash === data.keyHash)) {
    throw DomainError.alreadyExists('An API key with this hash already exists', 'keyHash');
  }
  return [{ type: 'ApiKeyIssued', data: { keyId, name, keyHash: data.keyHash, keyPrefix, issuedAt } }];
}

function revokeApiKey({ data }: RevokeApiKey, state: TenantState): TenantEvent[] {
  const tenant = existing(state);
  const revokedAt = isoTimestamp(data.now);
  const key = findApiKey(tenant, data.keyId);
  if (!key) throw DomainError.notFound(`API key ${data.keyId} not found`);
  if (key.revoked) return [];
  return [{ type: 'ApiKeyRevoked', data: { keyId: key.keyId, revokedAt } }];
}

function updateSettings({ data }: UpdateTenantSettings, state: TenantState): TenantEvent[] {
  const tenant = existing(state);
  const disabledEventTypes = validateEventTypePatterns(data.disabledEventTypes, 'disabledEventTypes');
  const updatedAt = isoTimestamp(data.now);
  if (sameStringSet(disabledEventTypes, tenant.disabledEventTypes)) return [];
  return [{ type: 'TenantSettingsUpdated', data: { disabledEventTypes, updatedAt } }];
}

/** Returns the events a command causes (none when it changes nothing); throws DomainError when refused. */
export function decideTenant(command: TenantCommand, state: TenantState): TenantEvent[] {
  switch (command.type) {
    case 'CreateTenant':
      return createTenant(command, state);
    case 'IssueApiKey':
      return issueApiKey(command, state);
    case 'RevokeApiKey':
      return revokeApiKey(command, state);
    case 'UpdateTenantSettings':
      return updateSettings(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export const tenantDecider: Decider<TenantCommand, TenantEvent, TenantState> = {
  decide: decideTenant,
  evolve: evolveTenant,
  initialState: initialTenantState,
};
