import { DomainError } from '../errors.js';
import { validateEventType } from '../event-type-patterns.js';
import { isPresent, requireText } from '../validation.js';
import { TRIGGER_BODY_ENCODINGS, type TriggerBodyEncoding, type TriggerJson } from './trigger-events.js';

const invalid = DomainError.invalidInput;

export const MAX_TRIGGER_NAME_LENGTH = 200;
export const MAX_TRIGGER_ID_LENGTH = 128;
/** Larger calls are refused (413) before they are read whole. */
export const MAX_TRIGGER_BODY_BYTES = 1024 * 1024;
/** What survives filtering is stored with every call: bound it so a call cannot bloat its event with headers. */
export const MAX_TRIGGER_HEADERS = 100;
export const MAX_TRIGGER_HEADER_VALUE_LENGTH = 8192;
const MAX_CONTENT_TYPE_LENGTH = 256;

export function validateTriggerName(value: unknown): string {
  return requireText(value, 'name', { max: MAX_TRIGGER_NAME_LENGTH, trim: true });
}

/** Null, undefined and blank mean "do not forward". */
export function validateForwardAsEventType(value: unknown): string | null {
  if (!isPresent(value) || (typeof value === 'string' && value.trim() === '')) return null;
  return validateEventType(typeof value === 'string' ? value.trim() : value, 'forwardAsEventType');
}

// ---------------------------------------------------------------- headers

/** RFC 9110 §7.6.1: meaningful for one connection only, never for the receiver of a forwarded message. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Credentials by exact name, the ones every caller of a trigger may send. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-verify-signature',
  'webhook-signature',
]);

/**
 * Name segments (split on `-` and `_`) that mark a header as a credential
 * (`x-hub-signature-256`, `x-auth-token`, `x-webhook-secret`, `x-shopify-hmac-sha256`).
 * Erring on the side of dropping: a lost header is a nuisance, a stored credential is a leak.
 */
const CREDENTIAL_SEGMENTS = new Set([
  'auth',
  'authorization',
  'signature',
  'token',
  'secret',
  'password',
  'passwd',
  'apikey',
  'credential',
  'credentials',
  'hmac',
  'cookie',
  'session',
]);

function isCredentialHeader(name: string): boolean {
  if (CREDENTIAL_HEADERS.has(name)) return true;
  const segments = name.split(/[-_]/);
  if (segments.some((segment) => CREDENTIAL_SEGMENTS.has(segment))) return true;
  // `x-api-key`, `api_key`, `apikey`
  return name.replace(/[-_]/g, '').includes('apikey');
}

/**
 * The headers of a call as they are kept: names lower-cased; hop-by-hop headers
 * (including those the `connection` header names) and credentials removed; at
 * most MAX_TRIGGER_HEADERS, each value cut to MAX_TRIGGER_HEADER_VALUE_LENGTH.
 */
export function headersToKeep(headers: Record<string, string>): Record<string, string> {
  const lowered = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    lowered.set(name.toLowerCase(), value);
  }
  const connectionScoped = new Set(
    (lowered.get('connection') ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter((token) => token !== ''),
  );
  const kept: [string, string][] = [];
  for (const [name, value] of lowered) {
    if (HOP_BY_HOP.has(name) || connectionScoped.has(name) || isCredentialHeader(name)) continue;
    if (kept.length >= MAX_TRIGGER_HEADERS) break;
    kept.push([name, value.slice(0, MAX_TRIGGER_HEADER_VALUE_LENGTH)]);
  }
  // fromEntries defines own properties, so a header named "__proto__" stays a plain key.
  return Object.fromEntries(kept);
}

// ---------------------------------------------------------------- body

export type TriggerBody = { encoding: TriggerBodyEncoding; value: TriggerJson };

export function validateBody(body: unknown): TriggerBody {
  if (typeof body !== 'object' || body === null) throw invalid('body', 'is required');
  const { encoding, value } = body as { encoding?: unknown; value?: unknown };
  if (!TRIGGER_BODY_ENCODINGS.includes(encoding as TriggerBodyEncoding)) {
    throw invalid('body.encoding', `must be one of ${TRIGGER_BODY_ENCODINGS.join(', ')}`);
  }
  if (encoding !== 'json' && typeof value !== 'string') throw invalid('body.value', `must be a string for ${String(encoding)}`);
  if (value === undefined) throw invalid('body.value', 'is required');
  return { encoding: encoding as TriggerBodyEncoding, value: value as TriggerJson };
}

export function validateBodyBytes(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalid('bodyBytes', 'must be a non-negative integer');
  }
  if (value > MAX_TRIGGER_BODY_BYTES) throw invalid('bodyBytes', `must be at most ${MAX_TRIGGER_BODY_BYTES} bytes`);
  return value;
}

/** A content type is informative only: cut rather than refuse a call over it. */
export function normaliseContentType(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  return value.trim().slice(0, MAX_CONTENT_TYPE_LENGTH);
}
