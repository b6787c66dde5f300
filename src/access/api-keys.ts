import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PREFIX = 'hgk_';

export interface NewApiKey {
  /** Shown once to the caller, never stored. */
  plaintext: string;
  /** What is stored and looked up. */
  hash: string;
  /** The first characters, for people to tell their keys apart. */
  displayPrefix: string;
}

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

/** 32 random bytes: a key this long needs no slow hash, a plain SHA-256 cannot be brute-forced. */
export function generateApiKey(): NewApiKey {
  const plaintext = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { plaintext, hash: hashApiKey(plaintext), displayPrefix: plaintext.slice(0, KEY_PREFIX.length + 6) };
}

/** Constant-time comparison of a presented token with the configured admin token. */
export function isAdminToken(presented: string, adminToken: string | undefined): boolean {
  if (!adminToken) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(adminToken).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
