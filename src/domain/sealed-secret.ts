import { DomainError } from './errors.js';

/**
 * A secret as the domain sees it: already encrypted outside the domain, opaque
 * here. `fingerprint` is a keyed hash of the plaintext, used only to tell
 * whether a newly supplied secret differs from the stored one.
 */
export type SealedSecret = {
  keyId: string;
  iv: string;
  ciphertext: string;
  tag: string;
  fingerprint: string;
};

const SEALED_SECRET_FIELDS = ['keyId', 'iv', 'ciphertext', 'tag', 'fingerprint'] as const;

export function isSealedSecret(value: unknown): value is SealedSecret {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return SEALED_SECRET_FIELDS.every((field) => typeof record[field] === 'string' && record[field] !== '');
}

/** Copies only the known fields, so that nothing else rides along into an event. */
export function copySealedSecret(secret: SealedSecret): SealedSecret {
  return {
    keyId: secret.keyId,
    iv: secret.iv,
    ciphertext: secret.ciphertext,
    tag: secret.tag,
    fingerprint: secret.fingerprint,
  };
}

export const sameSecret = (a: SealedSecret, b: SealedSecret): boolean => a.fingerprint === b.fingerprint;

export function requireSealedSecret(value: unknown, field: string): SealedSecret {
  if (!isSealedSecret(value)) {
    throw DomainError.invalidInput(field, 'must be a sealed secret (keyId, iv, ciphertext, tag, fingerprint)');
  }
  return copySealedSecret(value);
}
