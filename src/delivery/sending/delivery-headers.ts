import type { PlainWebhookAuth } from '../../domain/webhook/webhook-events.js';
import { isReservedHeaderName, isValidHeaderName } from '../../domain/webhook/webhook-rules.js';
import type { OutboundDelivery } from './webhook-sender.js';
import { signatureHeader } from './standard-webhooks-signature.js';

const UNSENDABLE_VALUE = /[\r\n\u0000]/;

/**
 * The webhook's custom headers that may be sent. The registry already refuses
 * reserved names; this refuses them again (defence in depth) so that no stored
 * header can replace a signature, auth or framing header. Names are lowercased
 * so that `Authorization` cannot slip in beside `authorization`.
 */
function customHeaders(headers: Readonly<Record<string, string>>, apiKeyHeader: string | null): Record<string, string> {
  const sendable: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!isValidHeaderName(name) || isReservedHeaderName(lower) || lower === apiKeyHeader) continue;
    if (typeof value !== 'string' || UNSENDABLE_VALUE.test(value)) continue;
    sendable[lower] = value;
  }
  return sendable;
}

const basicCredentials = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;

/**
 * Every header of one POST: custom headers first, then the API key, then the
 * signature, auth and transport headers, each later one winning.
 * `bearerToken` is the OAuth2 access token for OAUTH2_CLIENT_CREDENTIALS auth.
 */
export function deliveryHeaders(
  delivery: OutboundDelivery,
  options: { bearerToken: string | null; userAgent: string },
): Record<string, string> {
  const auth: PlainWebhookAuth = delivery.auth;
  const apiKeyHeader = auth.type === 'HEADER_API_KEY' ? auth.headerName.toLowerCase() : null;
  const headers = customHeaders(delivery.headers, apiKeyHeader);
  if (auth.type === 'HEADER_API_KEY' && apiKeyHeader !== null) headers[apiKeyHeader] = auth.apiKey;

  const timestampSeconds = Math.floor(delivery.timestamp.getTime() / 1000);
  headers['webhook-id'] = delivery.messageId;
  headers['webhook-timestamp'] = String(timestampSeconds);
  headers['webhook-signature'] = signatureHeader(delivery.signingSecrets, delivery.messageId, timestampSeconds, delivery.body);
  headers['content-type'] = 'application/json';
  headers['user-agent'] = options.userAgent;
  if (auth.type === 'BASIC') headers['authorization'] = basicCredentials(auth.username, auth.password);
  if (auth.type === 'OAUTH2_CLIENT_CREDENTIALS' && options.bearerToken !== null) {
    headers['authorization'] = `Bearer ${options.bearerToken}`;
  }
  return headers;
}
