import { randomBytes } from 'node:crypto';

/** Standard Webhooks format: `whsec_` and the base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
