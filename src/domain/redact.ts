export const REDACTED = '[REDACTED]';

/** Shape test is deliberately loose (no fingerprint needed): when in doubt, hide it. */
function looksSealed(value: object): boolean {
  return ['keyId', 'iv', 'ciphertext', 'tag'].every((key) => Object.hasOwn(value, key));
}

/**
 * Fields that are not sealed but still derive from a credential: the SHA-256 of
 * an API key cannot be reversed, yet it would let anyone holding a leaked
 * history confirm a guessed key, so it leaves the store only as "[REDACTED]".
 */
const CREDENTIAL_DIGEST_FIELDS = new Set(['keyHash']);

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Returns a copy of `value` in which every sealed secret and credential digest,
 * at any depth, is replaced by "[REDACTED]"; the input is left untouched. Only arrays and plain
 * objects are walked: anything else (a Date, a Buffer) is returned as it is.
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (!isPlainObject(value)) return value;
  if (looksSealed(value)) return REDACTED;
  // fromEntries defines own properties, so a "__proto__" key from parsed JSON stays a plain key.
  return Object.fromEntries(
    Object.entries(value).map(([key, nested]) => [key, CREDENTIAL_DIGEST_FIELDS.has(key) && typeof nested === 'string' ? REDACTED : redactSecrets(nested)]),
  );
}
