import { describe, expect, it } from 'vitest';
import { tenantDecider, type TenantCommand } from '../../src/domain/tenant/tenant-commands.js';
import {
  evolveTenant,
  initialTenantState,
  tenantDisablesEventType,
  type ApiKeyIssued,
  type Tenant,
  type TenantCreated,
  type TenantState,
} from '../../src/domain/tenant/tenant-events.js';
import { foldEvents } from '../../src/domain/decider.js';
import { deciderSpec } from './decider-spec.js';

const given = deciderSpec(tenantDecider);

const T0 = new Date('2025-01-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

const existing = (state: TenantState): Tenant => {
  if (!state.exists) throw new Error('expected the tenant to exist');
  return state;
};

const tenantCreated: TenantCreated = { type: 'TenantCreated', data: { tenantId: 't-1', name: 'Acme', createdAt: iso(0) } };
const keyIssued = (keyId = 'key-1', keyHash = HASH_A): ApiKeyIssued => ({
  type: 'ApiKeyIssued',
  data: { keyId, name: 'CI', keyHash, keyPrefix: 'hgk_abc123', issuedAt: iso(1) },
});

const createTenant = (name: string): TenantCommand => ({ type: 'CreateTenant', data: { tenantId: 't-1', name, now: T0 } });
const issueKey = (data: Partial<Extract<TenantCommand, { type: 'IssueApiKey' }>['data']> = {}): TenantCommand => ({
  type: 'IssueApiKey',
  data: { keyId: 'key-1', name: 'CI', keyHash: HASH_A, keyPrefix: 'hgk_abc123', now: at(1), ...data },
});
const revokeKey = (keyId = 'key-1'): TenantCommand => ({ type: 'RevokeApiKey', data: { keyId, now: at(2) } });
const disable = (disabledEventTypes: string[]): TenantCommand => ({
  type: 'UpdateTenantSettings',
  data: { disabledEventTypes, now: at(3) },
});

describe('CreateTenant', () => {
  it('creates a tenant with its name trimmed, at version 0', () => {
    const state = existing(given([]).when(createTenant('  Acme  ')).then([tenantCreated]));
    expect(state).toStrictEqual({
      exists: true,
      id: 't-1',
      name: 'Acme',
      apiKeys: {},
      disabledEventTypes: [],
      createdAt: iso(0),
      updatedAt: iso(0),
      version: 0,
    });
  });

  it('accepts a name of 100 characters', () => {
    given([])
      .when(createTenant('n'.repeat(100)))
      .then([{ type: 'TenantCreated', data: { tenantId: 't-1', name: 'n'.repeat(100), createdAt: iso(0) } }]);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['101 characters', 'n'.repeat(101)],
    ['a line break', 'Acme\nEvil'],
  ])('refuses a name that is %s', (_, name) => {
    given([]).when(createTenant(name)).thenThrows('INVALID_INPUT', 'name');
  });

  it('refuses to create a tenant that exists', () => {
    given([tenantCreated]).when(createTenant('Acme')).thenThrows('ALREADY_EXISTS', 'tenantId');
  });
});

describe('commands on a tenant that does not exist', () => {
  it.each([issueKey(), revokeKey(), disable(['a'])].map((command) => [command.type, command] as const))(
    '%s is NOT_FOUND',
    (_, command) => {
      given([]).when(command).thenThrows('NOT_FOUND');
    },
  );
});

describe('API keys', () => {
  it('issues a key, stored by id and not revoked', () => {
    const state = existing(given([tenantCreated]).when(issueKey()).then([keyIssued()]));
    expect(state.apiKeys['key-1']).toStrictEqual({
      keyId: 'key-1',
      name: 'CI',
      keyHash: HASH_A,
      keyPrefix: 'hgk_abc123',
      issuedAt: iso(1),
      revoked: false,
      revokedAt: null,
    });
    expect(state.version).toBe(1);
  });

  it('refuses a key id or a key hash it already has', () => {
    given([tenantCreated, keyIssued()]).when(issueKey({ keyHash: HASH_B })).thenThrows('ALREADY_EXISTS', 'keyId');
    given([tenantCreated, keyIssued()]).when(issueKey({ keyId: 'key-2' })).thenThrows('ALREADY_EXISTS', 'keyHash');
  });

  it.each([
    ['keyHash', { keyHash: 'A'.repeat(64) }],
    ['keyHash', { keyHash: 'abc' }],
    ['name', { name: ' ' }],
    ['name', { name: 'n'.repeat(101) }],
    ['keyPrefix', { keyPrefix: '' }],
    ['keyId', { keyId: '' }],
  ])('refuses an invalid %s', (field, data) => {
    given([tenantCreated]).when(issueKey(data)).thenThrows('INVALID_INPUT', field);
  });

  it('revokes a key', () => {
    const state = existing(
      given([tenantCreated, keyIssued()])
        .when(revokeKey())
        .then([{ type: 'ApiKeyRevoked', data: { keyId: 'key-1', revokedAt: iso(2) } }]),
    );
    expect(state.apiKeys['key-1']).toMatchObject({ revoked: true, revokedAt: iso(2) });
  });

  it('revoking a revoked key emits nothing', () => {
    given([tenantCreated, keyIssued(), { type: 'ApiKeyRevoked', data: { keyId: 'key-1', revokedAt: iso(2) } }])
      .when(revokeKey())
      .then([]);
  });

  it('revoking an unknown key is NOT_FOUND', () => {
    given([tenantCreated, keyIssued()]).when(revokeKey('key-2')).thenThrows('NOT_FOUND');
    given([tenantCreated]).when(revokeKey('toString')).thenThrows('NOT_FOUND');
  });
});

describe('UpdateTenantSettings', () => {
  it('replaces the disabled event types', () => {
    const state = existing(
      given([tenantCreated])
        .when(disable(['private-offer.*', 'invoice.paid']))
        .then([{ type: 'TenantSettingsUpdated', data: { disabledEventTypes: ['private-offer.*', 'invoice.paid'], updatedAt: iso(3) } }]),
    );
    expect(state).toMatchObject({ disabledEventTypes: ['private-offer.*', 'invoice.paid'], updatedAt: iso(3) });
  });

  it('the same patterns in another order change nothing', () => {
    given([tenantCreated, { type: 'TenantSettingsUpdated', data: { disabledEventTypes: ['a', 'b'], updatedAt: iso(3) } }])
      .when(disable(['b', 'a']))
      .then([]);
  });

  it('an empty list enables everything again', () => {
    given([tenantCreated, { type: 'TenantSettingsUpdated', data: { disabledEventTypes: ['a'], updatedAt: iso(3) } }])
      .when(disable([]))
      .then([{ type: 'TenantSettingsUpdated', data: { disabledEventTypes: [], updatedAt: iso(3) } }]);
  });

  it.each([
    ['a bad pattern', ['ok', 'bad pattern'], 'disabledEventTypes.1'],
    ['a pattern twice', ['a.*', 'a.*'], 'disabledEventTypes.1'],
    ['101 patterns', Array.from({ length: 101 }, (_, i) => `t${i}`), 'disabledEventTypes'],
  ])('refuses %s', (_, patterns, field) => {
    given([tenantCreated]).when(disable(patterns)).thenThrows('INVALID_INPUT', field);
  });
});

describe('tenantDisablesEventType', () => {
  it('matches the disabled patterns', () => {
    const state = foldEvents(tenantDecider, [
      tenantCreated,
      { type: 'TenantSettingsUpdated', data: { disabledEventTypes: ['private-offer.*', 'invoice.paid'], updatedAt: iso(3) } },
    ]);
    expect(tenantDisablesEventType(state, 'private-offer.created')).toBe(true);
    expect(tenantDisablesEventType(state, 'invoice.paid')).toBe(true);
    expect(tenantDisablesEventType(state, 'invoice.created')).toBe(false);
    expect(tenantDisablesEventType(initialTenantState(), 'invoice.paid')).toBe(false);
  });
});

describe('evolveTenant', () => {
  it('fails loudly on a stream that was not written by the decider', () => {
    expect(() => evolveTenant(initialTenantState(), keyIssued())).toThrow(/does not exist/);
    expect(() =>
      evolveTenant(existing(evolveTenant(initialTenantState(), tenantCreated)), {
        type: 'ApiKeyRevoked',
        data: { keyId: 'nope', revokedAt: iso(1) },
      }),
    ).toThrow(/unknown API key/);
  });
});
