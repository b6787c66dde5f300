import type { Dispatcher } from 'undici';
import { request } from 'undici';
import type { AuthOf } from '../../domain/webhook/webhook-events.js';
import { RequestDeadline } from './request-deadline.js';
import { describeRequestFailure } from './request-failure.js';
import { readSmallBody } from './response-excerpt.js';
import type { SendFailureKind } from './webhook-sender.js';

export type OAuth2ClientCredentials = Extract<AuthOf<string>, { type: 'OAUTH2_CLIENT_CREDENTIALS' }>;

export interface IssuedToken {
  accessToken: string;
  /** `expires_in`, when the endpoint gave one. */
  expiresInSeconds: number | null;
}

/** The token endpoint gave no usable token; the message never holds the client secret. */
export class TokenRequestError extends Error {
  constructor(
    readonly kind: Extract<SendFailureKind, 'AUTH' | 'UNSAFE_TARGET'>,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
const MAX_ERROR_TEXT = 200;

/** `application/x-www-form-urlencoded`, which RFC 6749 §2.3.1 applies to client id and secret before Basic. */
const formEncode = (text: string): string => new URLSearchParams({ v: text }).toString().slice(2);

function readJsonObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const shortText = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, MAX_ERROR_TEXT) : null;

/** RFC 6749 §5.1 `expires_in`; some servers send it as a string. */
function expiresIn(value: unknown): number | null {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/**
 * OAuth2 client credentials grant (RFC 6749 §4.4): POSTs the form to the
 * token url, authenticating the client with HTTP Basic, and reads the bearer
 * token. Throws TokenRequestError.
 */
export async function requestClientCredentialsToken(
  auth: OAuth2ClientCredentials,
  options: { dispatcher: Dispatcher; timeoutMs: number; userAgent: string },
): Promise<IssuedToken> {
  const redact = (text: string): string =>
    auth.clientSecret === '' ? text : text.split(auth.clientSecret).join('[redacted]');
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (auth.scope !== null) form.set('scope', auth.scope);
  if (auth.audience !== null) form.set('audience', auth.audience);
  const credentials = Buffer.from(`${formEncode(auth.clientId)}:${formEncode(auth.clientSecret)}`).toString('base64');

  const deadline = new RequestDeadline(options.timeoutMs);
  let status: number;
  let text: string | null;
  try {
    const response = await request(auth.tokenUrl, {
      dispatcher: options.dispatcher,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${credentials}`,
        'user-agent': options.userAgent,
      },
      body: form.toString(),
      signal: deadline,
    });
    status = response.statusCode;
    text = await readSmallBody(response.body, MAX_TOKEN_RESPONSE_BYTES);
  } catch (error) {
    const failure = describeRequestFailure(error, deadline.aborted, options.timeoutMs);
    if (failure.kind === 'UNSAFE_TARGET') throw new TokenRequestError('UNSAFE_TARGET', `OAuth2 token url ${failure.message}`);
    throw new TokenRequestError('AUTH', redact(`OAuth2 token request failed: ${failure.message}`));
  } finally {
    deadline.clear();
  }

  const json = readJsonObject(text);
  if (status < 200 || status >= 300) {
    const error = shortText(json?.['error']);
    const description = shortText(json?.['error_description']);
    const detail = error === null ? '' : `: ${error}${description === null ? '' : ` (${description})`}`;
    throw new TokenRequestError('AUTH', redact(`OAuth2 token endpoint answered ${status}${detail}`));
  }
  const accessToken = json?.['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new TokenRequestError('AUTH', `OAuth2 token endpoint answered ${status} without an access_token`);
  }
  const tokenType = json?.['token_type'];
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    throw new TokenRequestError(
      'AUTH',
      redact(`OAuth2 token endpoint gave a token of type ${JSON.stringify(shortText(tokenType))}; only Bearer is supported`),
    );
  }
  return { accessToken, expiresInSeconds: expiresIn(json?.['expires_in']) };
}
