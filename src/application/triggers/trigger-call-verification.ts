import { createHash, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The headers a caller proves itself with; names lower-cased, as Node delivers them. */
export interface CallCredentials {
  'webhook-id'?: string | undefined;
  'webhook-timestamp'?: string | undefined;
  'webhook-signature'?: string | undefined;
  'x-verify-signature'?: string | undefined;
}

function sameSecret(presented: string, secret: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the secret's length either.
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Whether a call is made by someone holding the trigger's secret: a Standard
 * Webhooks signature of this exact body (with the library's 5-minute timestamp
 * tolerance), or the secret itself in `X-Verify-Signature` (as the workflow
 * tools our users come from send it).
 */
export function callIsVerified(secret: string, body: Buffer, headers: CallCredentials): boolean {
  const presented = headers['x-verify-signature'];
  if (presented !== undefined && presented !== '' && sameSecret(presented, secret)) return true;
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (!id || !timestamp || !signature) return false;
  try {
    new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature }, { jsonParse: false });
    return true;
  } catch {
    // WebhookVerificationError, or a malformed header the library trips over: either way, not proven.
    return false;
  }
}
