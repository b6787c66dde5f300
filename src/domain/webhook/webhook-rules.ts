import { DomainError } from '../errors.js';
import { eventTypeMatches, validateEventTypePatterns } from '../event-type-patterns.js';
import { requireSealedSecret, sameSecret, type SealedSecret } from '../sealed-secret.js';
import { hasControlCharacter, isPresent, optionalText, requireText, sameStringSet } from '../validation.js';
import {
  AUTH_TYPES,
  CLOUDS,
  type AuthOf,
  type AuthType,
  type Cloud,
  type PlainWebhookAuth,
  type Webhook,
  type WebhookAuth,
  type WebhookFilters,
} from './webhook-events.js';

export { eventTypeMatches } from '../event-type-patterns.js';

const invalid = DomainError.invalidInput;

// ---------------------------------------------------------------- url

export const MAX_URL_LENGTH = 2048;
const HTTP_URL_START = /^https?:\/\//i;
const WHITESPACE = /\s/;

/**
 * An absolute http(s) URL, returned as the WHATWG parser normalises it (so that
 * two spellings of one URL compare equal). https unless `allowHttp`.
 */
export function validateUrl(value: unknown, options: { allowHttp: boolean; field?: string }): string {
  const field = options.field ?? 'url';
  if (typeof value !== 'string' || value === '') throw invalid(field, 'is required');
  if (value.length > MAX_URL_LENGTH) throw invalid(field, `must be at most ${MAX_URL_LENGTH} characters`);
  if (WHITESPACE.test(value) || hasControlCharacter(value)) {
    throw invalid(field, 'must not contain whitespace or control characters');
  }
  // The parser would accept `https:example.com`; people mean `https://…`, so ask for that form.
  if (!HTTP_URL_START.test(value)) throw invalid(field, 'must be an absolute URL starting with https:// or http://');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid(field, 'is not a valid URL');
  }
  if (parsed.protocol === 'http:' && !options.allowHttp) throw invalid(field, 'must use https');
  if (parsed.username !== '' || parsed.password !== '') {
    throw invalid(field, 'must not contain credentials (user:password@); use auth instead');
  }
  // `https://x/#` parses with an empty hash, so look at the input itself.
  if (value.includes('#')) throw invalid(field, 'must not contain a fragment (#…)');
  if (parsed.href.length > MAX_URL_LENGTH) throw invalid(field, `must be at most ${MAX_URL_LENGTH} characters`);
  return parsed.href;
}

// ---------------------------------------------------------------- description

export const MAX_DESCRIPTION_LENGTH = 1000;
/** Line breaks and tabs are fine in a description; other controls are not. */
const DESCRIPTION_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Trimmed; blank means no description. */
export function validateDescription(value: unknown): string | null {
  if (!isPresent(value)) return null;
  if (typeof value !== 'string') throw invalid('description', 'must be a string');
  const text = value.trim();
  if (text === '') return null;
  if (text.length > MAX_DESCRIPTION_LENGTH) {
    throw invalid('description', `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  if (DESCRIPTION_FORBIDDEN.test(text)) throw invalid('description', 'must not contain control characters');
  return text;
}

// ---------------------------------------------------------------- filters

export const MAX_PRODUCT_ID_LENGTH = 128;

export type WebhookFiltersInput = {
  productId?: string | null;
  clouds?: readonly string[] | null;
  eventTypes?: readonly string[] | null;
};

function validateClouds(value: unknown): Cloud[] {
  if (!isPresent(value)) return [];
  if (!Array.isArray(value)) throw invalid('filters.clouds', `must be a list of ${CLOUDS.join(', ')}`);
  const seen = new Set<string>();
  return value.map((cloud: unknown, index) => {
    const field = `filters.clouds.${index}`;
    if (typeof cloud !== 'string' || !(CLOUDS as readonly string[]).includes(cloud)) {
      throw invalid(field, `must be one of ${CLOUDS.join(', ')}`);
    }
    if (seen.has(cloud)) throw invalid(field, `lists ${cloud} twice`);
    seen.add(cloud);
    return cloud as Cloud;
  });
}

/**
 * Filters are required and must narrow something: a product id (making the
 * webhook product-level), at least one cloud or at least one event type.
 */
export function validateFilters(input: WebhookFiltersInput | null | undefined): WebhookFilters {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('filters', 'are required');
  const productId = optionalText(input.productId, 'filters.productId', { max: MAX_PRODUCT_ID_LENGTH, trim: true });
  const clouds = validateClouds(input.clouds);
  const eventTypes = isPresent(input.eventTypes) ? validateEventTypePatterns(input.eventTypes, 'filters.eventTypes') : [];
  if (productId === null && clouds.length === 0 && eventTypes.length === 0) {
    throw invalid('filters', 'must not be empty: give a productId, at least one cloud or at least one event type');
  }
  return { productId, clouds, eventTypes };
}

export const sameFilters = (a: WebhookFilters, b: WebhookFilters): boolean =>
  a.productId === b.productId && sameStringSet(a.clouds, b.clouds) && sameStringSet(a.eventTypes, b.eventTypes);

/** What routing knows about a published event. */
export type RoutedMessage = { type: string; productId?: string | null; cloud?: string | null };

/**
 * Whether one webhook's filters accept a message. A product-level webhook only
 * takes messages of its product. The cloud filter applies only to messages
 * that name a cloud: a message about no cloud in particular still reaches a
 * webhook that lists clouds. Choosing between product-level and tenant-level
 * webhooks, and skipping non-VALID ones, is routing's job, not this.
 */
export function webhookMatches(filters: WebhookFilters, message: RoutedMessage): boolean {
  if (filters.productId !== null && message.productId !== filters.productId) return false;
  if (filters.clouds.length > 0 && isPresent(message.cloud) && !(filters.clouds as string[]).includes(message.cloud)) {
    return false;
  }
  if (filters.eventTypes.length > 0 && !filters.eventTypes.some((pattern) => eventTypeMatches(pattern, message.type))) {
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- headers

export const MAX_HEADERS = 20;
export const MAX_HEADER_NAME_LENGTH = 256;
export const MAX_HEADER_VALUE_LENGTH = 4096;

/** Set by the delivery itself (signature, framing, auth); a custom header must not override them. */
export const RESERVED_HEADER_NAMES: readonly string[] = [
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'authorization',
  'proxy-authorization',
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'cookie',
  'user-agent',
  'expect',
];

/** RFC 7230 `token`. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LINE_BREAK_OR_NUL = /[\r\n\u0000]/;
/** What undici sends without refusing: tab, visible ASCII, space and Latin-1. */
const HEADER_VALUE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;

export const isValidHeaderName = (name: string): boolean =>
  name.length <= MAX_HEADER_NAME_LENGTH && HEADER_NAME.test(name);

export function isReservedHeaderName(name: string): boolean {
  return RESERVED_HEADER_NAMES.includes(name.toLowerCase());
}

function headerValueProblem(value: string): string | null {
  if (LINE_BREAK_OR_NUL.test(value)) return 'must not contain CR, LF or NUL';
  if (!HEADER_VALUE.test(value)) return 'may only contain tab, printable ASCII and Latin-1 characters';
  if (value.length > MAX_HEADER_VALUE_LENGTH) return `must be at most ${MAX_HEADER_VALUE_LENGTH} characters`;
  return null;
}

/**
 * Custom headers sent with every delivery. `apiKeyHeaderName` is the header of
 * HEADER_API_KEY auth, which a custom header must not shadow either. Missing
 * headers mean none.
 */
export function validateHeaders(
  value: unknown,
  options: { apiKeyHeaderName: string | null },
): Record<string, string> {
  if (!isPresent(value)) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('headers', 'must be an object of name → value');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_HEADERS) throw invalid('headers', `must hold at most ${MAX_HEADERS} headers`);
  const apiKeyHeader = options.apiKeyHeaderName?.toLowerCase() ?? null;
  const seen = new Set<string>();
  for (const [name, headerValue] of entries) {
    const field = `headers.${name}`;
    if (!isValidHeaderName(name)) {
      throw invalid(field, `is not a valid header name (RFC 7230 token, at most ${MAX_HEADER_NAME_LENGTH} characters)`);
    }
    const lower = name.toLowerCase();
    if (isReservedHeaderName(name)) throw invalid(field, 'is reserved: hookgate sets it itself');
    if (lower === apiKeyHeader) throw invalid(field, "is the header of the webhook's API key auth");
    if (seen.has(lower)) throw invalid(field, 'is given twice (header names are case-insensitive)');
    seen.add(lower);
    if (typeof headerValue !== 'string') throw invalid(field, 'must be a string');
    const problem = headerValueProblem(headerValue);
    if (problem) throw invalid(field, problem);
  }
  // fromEntries defines own properties, so even a header named "__proto__" stays a header.
  return Object.fromEntries(entries as [string, string][]);
}

export function sameHeaders(a: Record<string, string>, b: Record<string, string>): boolean {
  const aKeys = Object.keys(a);
  return aKeys.length === Object.keys(b).length && aKeys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

// ---------------------------------------------------------------- auth

type AuthField =
  | 'username'
  | 'password'
  | 'headerName'
  | 'apiKey'
  | 'clientId'
  | 'clientSecret'
  | 'tokenUrl'
  | 'scope'
  | 'audience';

/** The fields each auth type takes; any other field is refused. */
export const AUTH_TYPE_FIELDS: Readonly<Record<AuthType, readonly AuthField[]>> = {
  NONE: [],
  BASIC: ['username', 'password'],
  HEADER_API_KEY: ['headerName', 'apiKey'],
  OAUTH2_CLIENT_CREDENTIALS: ['clientId', 'clientSecret', 'tokenUrl', 'scope', 'audience'],
};

/** Auth as an API receives it: a type and any fields, null meaning absent. */
export type AuthInput = { type?: unknown } & { [Field in AuthField]?: unknown };

export const MAX_USERNAME_LENGTH = 256;
export const MAX_CLIENT_ID_LENGTH = 256;
export const MAX_SECRET_LENGTH = 1024;
export const MAX_OAUTH2_PARAMETER_LENGTH = 1024;

type AuthFieldPath = `auth.${AuthField}`;
type SecretReader<Secret> = (value: unknown, field: AuthFieldPath) => Secret;

function required(value: unknown, field: AuthFieldPath, type: AuthType): unknown {
  if (!isPresent(value)) throw invalid(field, `is required for ${type} auth`);
  return value;
}

function validateUsername(value: unknown): string {
  const username = requireText(value, 'auth.username', { max: MAX_USERNAME_LENGTH });
  // RFC 7617: the user-id ends at the first colon, so a colon would corrupt the credentials.
  if (username.includes(':')) throw invalid('auth.username', 'must not contain ":"');
  return username;
}

function validateApiKeyHeaderName(value: unknown): string {
  if (typeof value !== 'string' || !isValidHeaderName(value)) {
    throw invalid('auth.headerName', `must be a valid header name (RFC 7230 token, at most ${MAX_HEADER_NAME_LENGTH} characters)`);
  }
  if (isReservedHeaderName(value)) throw invalid('auth.headerName', 'is reserved: hookgate sets it itself');
  return value;
}

/** Shared by raw and sealed auth, so both refuse exactly the same shapes. */
function parseAuth<Secret>(
  input: unknown,
  readSecret: SecretReader<Secret>,
  options: { allowHttp: boolean },
): AuthOf<Secret> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('auth', 'is required');
  const record = input as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string' || !(AUTH_TYPES as readonly string[]).includes(type)) {
    throw invalid('auth.type', `must be one of ${AUTH_TYPES.join(', ')}`);
  }
  const authType = type as AuthType;
  const allowed = new Set<string>(['type', ...AUTH_TYPE_FIELDS[authType]]);
  for (const [key, value] of Object.entries(record)) {
    if (!allowed.has(key) && isPresent(value)) throw invalid(`auth.${key}`, `is not allowed for ${authType} auth`);
  }
  const secret = (field: AuthField): Secret => readSecret(required(record[field], `auth.${field}`, authType), `auth.${field}`);

  switch (authType) {
    case 'NONE':
      return { type: authType };
    case 'BASIC':
      return {
        type: authType,
        username: validateUsername(required(record['username'], 'auth.username', authType)),
        password: secret('password'),
      };
    case 'HEADER_API_KEY':
      return {
        type: authType,
        headerName: validateApiKeyHeaderName(required(record['headerName'], 'auth.headerName', authType)),
        apiKey: secret('apiKey'),
      };
    case 'OAUTH2_CLIENT_CREDENTIALS':
      return {
        type: authType,
        clientId: requireText(required(record['clientId'], 'auth.clientId', authType), 'auth.clientId', {
          max: MAX_CLIENT_ID_LENGTH,
        }),
        clientSecret: secret('clientSecret'),
        tokenUrl: validateUrl(required(record['tokenUrl'], 'auth.tokenUrl', authType), {
          allowHttp: options.allowHttp,
          field: 'auth.tokenUrl',
        }),
        scope: optionalText(record['scope'], 'auth.scope', { max: MAX_OAUTH2_PARAMETER_LENGTH, trim: true }),
        audience: optionalText(record['audience'], 'auth.audience', { max: MAX_OAUTH2_PARAMETER_LENGTH, trim: true }),
      };
    default: {
      const _exhaustive: never = authType;
      return _exhaustive;
    }
  }
}

function readPlainSecret(value: unknown, field: AuthFieldPath): string {
  if (field === 'auth.apiKey') {
    if (typeof value !== 'string' || value === '') throw invalid(field, 'must be a non-empty string');
    const problem = headerValueProblem(value);
    if (problem) throw invalid(field, problem);
    return value;
  }
  return requireText(value, field, { max: MAX_SECRET_LENGTH });
}

/**
 * Validates auth as a user typed it, before its secrets are sealed: each
 * type's fields are required, other types' fields refused. Returns it
 * normalised, ready for mapAuthSecrets to seal.
 */
export function validateAuthInput(
  input: AuthInput | null | undefined,
  options: { allowHttp: boolean },
): PlainWebhookAuth {
  return parseAuth(input, readPlainSecret, options);
}

/** The same checks on auth whose secrets are already sealed, as commands carry it. */
export function validateSealedAuth(auth: unknown, options: { allowHttp: boolean }): WebhookAuth {
  return parseAuth(auth, requireSealedSecret, options);
}

/** Replaces each secret of an auth, e.g. to seal validated input: `mapAuthSecrets(plain, (s) => box.seal(s))`. */
export function mapAuthSecrets<From, To>(auth: AuthOf<From>, map: (secret: From, field: AuthFieldPath) => To): AuthOf<To> {
  switch (auth.type) {
    case 'NONE':
      return auth;
    case 'BASIC':
      return { ...auth, password: map(auth.password, 'auth.password') };
    case 'HEADER_API_KEY':
      return { ...auth, apiKey: map(auth.apiKey, 'auth.apiKey') };
    case 'OAUTH2_CLIENT_CREDENTIALS':
      return { ...auth, clientSecret: map(auth.clientSecret, 'auth.clientSecret') };
    default: {
      const _exhaustive: never = auth;
      return _exhaustive;
    }
  }
}

export const authHeaderName = (auth: AuthOf<unknown>): string | null =>
  auth.type === 'HEADER_API_KEY' ? auth.headerName : null;

/** Same type, same non-secret fields and secrets with the same fingerprint. */
export function sameAuth(a: WebhookAuth, b: WebhookAuth): boolean {
  switch (a.type) {
    case 'NONE':
      return b.type === 'NONE';
    case 'BASIC':
      return b.type === 'BASIC' && a.username === b.username && sameSecret(a.password, b.password);
    case 'HEADER_API_KEY':
      return b.type === 'HEADER_API_KEY' && a.headerName === b.headerName && sameSecret(a.apiKey, b.apiKey);
    case 'OAUTH2_CLIENT_CREDENTIALS':
      return (
        b.type === 'OAUTH2_CLIENT_CREDENTIALS' &&
        a.clientId === b.clientId &&
        sameSecret(a.clientSecret, b.clientSecret) &&
        a.tokenUrl === b.tokenUrl &&
        a.scope === b.scope &&
        a.audience === b.audience
      );
    default: {
      const _exhaustive: never = a;
      return _exhaustive;
    }
  }
}

// ---------------------------------------------------------------- signing secrets

export const MAX_ROTATION_OVERLAP_SECONDS = 30 * 24 * 60 * 60;

/**
 * The secrets a delivery at `now` signs with: the current one, and the
 * previous one while its overlap lasts (Standard Webhooks allows several
 * signatures, so receivers still on the old secret keep verifying).
 */
export function activeSigningSecrets(
  webhook: Pick<Webhook, 'signingSecret' | 'previousSigningSecret'>,
  now: Date,
): SealedSecret[] {
  const previous = webhook.previousSigningSecret;
  return previous && Date.parse(previous.expiresAt) > now.getTime()
    ? [webhook.signingSecret, previous.secret]
    : [webhook.signingSecret];
}
