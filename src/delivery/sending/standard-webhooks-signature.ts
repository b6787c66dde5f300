import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** The HMAC key of a `whsec_<base64>` secret: its base64 part, decoded (a bare base64 secret is taken as is). */
const signingKey = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');

/**
 * The Standard Webhooks `webhook-signature` header: `v1,<base64 HMAC-SHA256
 * of "id.timestamp.body">` for each secret, space separated, so a receiver
 * still on the previous secret verifies during a rotation's overlap.
 */
export function signatureHeader(
  secrets: readonly string[],
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const signed = `${messageId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', signingKey(secret)).update(signed).digest('base64')}`)
    .join(' ');
}
