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

/** How a call proved itself; undefined when it did not. */
export type CallProof = { kind: 'secret' } | { kind: 'signature'; messageId: string };

/**
 * Whether a call is made by someone holding the trigger's secret: the secret
 * itself in `X-Verify-Signature` (as the workflow tools our users come from
 * send it), or a Standard Webhooks signature of this exact body (with the
 * library's 5-minute timestamp tolerance), which names its message.
 */
export function verifyCall(secret: string, body: Buffer, headers: CallCredentials): CallProof | undefined {
  const presented = headers['x-verify-signature'];
  if (presented !== undefined && presented !== '' && sameSecret(presented, secret)) return { kind: 'secret' };
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (!id || !timestamp || !signature) return undefined;
  try {
    new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature }, { jsonParse: false });
    return { kind: 'signature', messageId: id };
  } catch {
    // WebhookVerificationError, or a malformed header the library trips over: either way, not proven.
    return undefined;
  }
}
