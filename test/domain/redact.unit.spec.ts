import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/domain/redact.js';
import { webhookCreated, sealed } from './webhook-fixtures.js';

describe('redactSecrets', () => {
  it('replaces every sealed secret, at any depth, and leaves the rest', () => {
    const event = webhookCreated({
      auth: { type: 'BASIC', username: 'vendor', password: sealed('pw') },
      headers: { 'X-Team': 'billing' },
    });
    expect(redactSecrets(event)).toStrictEqual({
      ...event,
      data: { ...event.data, auth: { type: 'BASIC', username: 'vendor', password: '[REDACTED]' }, signingSecret: '[REDACTED]' },
    });
  });

  it('redacts inside arrays and secrets nested in other objects, keeping their siblings', () => {
    const rotated = { previous: { secret: sealed('old'), expiresAt: '2025-01-01T00:00:00.000Z' } };
    expect(redactSecrets([rotated, sealed('x'), 'plain', 3, null])).toStrictEqual([
      { previous: { secret: '[REDACTED]', expiresAt: '2025-01-01T00:00:00.000Z' } },
      '[REDACTED]',
      'plain',
      3,
      null,
    ]);
  });

  it('redacts a secret-shaped object even without a fingerprint', () => {
    expect(redactSecrets({ s: { keyId: 'k', iv: 'i', ciphertext: 'c', tag: 't' } })).toStrictEqual({ s: '[REDACTED]' });
  });

  it('redacts the digest of an API key (ApiKeyIssued), keeping its id, name and display prefix', () => {
    const issued = { keyId: 'k1', name: 'ci', keyHash: 'a'.repeat(64), keyPrefix: 'hg_live_ab12', issuedAt: '2026-01-01T00:00:00.000Z' };
    expect(redactSecrets({ type: 'ApiKeyIssued', data: issued })).toStrictEqual({ type: 'ApiKeyIssued', data: { ...issued, keyHash: '[REDACTED]' } });
  });

  it('does not change its input', () => {
    const input = { auth: { password: sealed('pw') } };
    redactSecrets(input);
    expect(input.auth.password).toStrictEqual(sealed('pw'));
  });

  it('keeps a "__proto__" key from parsed JSON as a plain key', () => {
    const parsed = JSON.parse('{"__proto__": {"keyId": "k", "iv": "i", "ciphertext": "c", "tag": "t"}}') as unknown;
    const result = redactSecrets(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toBe('[REDACTED]');
  });

  it('leaves values that are not plain objects or arrays alone', () => {
    const date = new Date(0);
    expect(redactSecrets(date)).toBe(date);
    expect(redactSecrets('s')).toBe('s');
    expect(redactSecrets(undefined)).toBeUndefined();
  });
});
