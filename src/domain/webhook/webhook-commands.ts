import type { Command, Decider } from '../decider.js';
import { DomainError } from '../errors.js';
import { requireSealedSecret, sameSecret, type SealedSecret } from '../sealed-secret.js';
import { addSeconds, isoTimestamp, isPresent, optionalText, requireText } from '../validation.js';
import {
  evolveWebhook,
  initialWebhookState,
  type CreatedVia,
  type DeactivationSource,
  type Webhook,
  type WebhookAuth,
  type WebhookConfigChanges,
  type WebhookEvent,
  type WebhookState,
  type WebhookStatus,
} from './webhook-events.js';
import {
  authHeaderName,
  MAX_ROTATION_OVERLAP_SECONDS,
  sameAuth,
  sameFilters,
  sameHeaders,
  validateDescription,
  validateFilters,
  validateHeaders,
  validateSealedAuth,
  validateUrl,
  type WebhookFiltersInput,
} from './webhook-rules.js';

export type CreateWebhook = Command<
  'CreateWebhook',
  {
    webhookId: string;
    tenantId: string;
    url: string;
    description?: string | null;
    filters: WebhookFiltersInput;
    auth: WebhookAuth;
    headers?: Record<string, string> | null;
    signingSecret: SealedSecret;
    via: CreatedVia;
    now: Date;
    /** Deployment setting: plain http receivers (and token URLs) are refused unless allowed. */
    allowHttp: boolean;
  }
>;

/**
 * Absent fields stay as they are (null too for url, filters and auth, which
 * cannot be cleared; null clears description and headers). Present ones
 * replace the stored value whole (headers and filters are not merged), except
 * that filters without a productId keep the webhook's scope. `state` may only be NEW (re-test) or
 * DEACTIVATED; it is typed wide because APIs pass their state enum through.
 */
export type UpdateWebhook = Command<
  'UpdateWebhook',
  {
    url?: string;
    description?: string | null;
    filters?: WebhookFiltersInput;
    auth?: WebhookAuth;
    headers?: Record<string, string> | null;
    state?: WebhookStatus;
    now: Date;
    allowHttp: boolean;
  }
>;

export type RecordWebhookTest = Command<
  'RecordWebhookTest',
  { ok: boolean; statusCode?: number | null; durationMs: number; error?: string | null; now: Date }
>;

export type DeactivateWebhook = Command<
  'DeactivateWebhook',
  { reason?: string | null; source: DeactivationSource; now: Date }
>;

export type ReactivateWebhook = Command<'ReactivateWebhook', { now: Date }>;

/** `overlapSeconds`: how long the old secret stays valid; the caller supplies its default (24 h). */
export type RotateWebhookSecret = Command<
  'RotateWebhookSecret',
  { newSecret: SealedSecret; overlapSeconds: number; now: Date }
>;

export type WebhookCommand =
  | CreateWebhook
  | UpdateWebhook
  | RecordWebhookTest
  | DeactivateWebhook
  | ReactivateWebhook
  | RotateWebhookSecret;

const invalid = DomainError.invalidInput;

export const MAX_WEBHOOK_ID_LENGTH = 128;
export const MAX_DEACTIVATION_REASON_LENGTH = 1000;
/** Test errors come from the network stack, not from users: cut them rather than refuse the result. */
export const MAX_TEST_ERROR_LENGTH = 1000;

const DEACTIVATION_SOURCES: readonly DeactivationSource[] = ['USER', 'GONE', 'FAILING'];
const CREATED_VIA: readonly CreatedVia[] = ['CREATE', 'UPSERT'];

function existing(state: WebhookState): Webhook {
  if (!state.exists) throw DomainError.notFound('Webhook not found');
  return state;
}

function create({ data }: CreateWebhook, state: WebhookState): WebhookEvent[] {
  if (state.exists) throw DomainError.alreadyExists(`Webhook ${state.id} already exists`, 'webhookId');
  const webhookId = requireText(data.webhookId, 'webhookId', { max: MAX_WEBHOOK_ID_LENGTH });
  const tenantId = requireText(data.tenantId, 'tenantId', { max: MAX_WEBHOOK_ID_LENGTH });
  if (!CREATED_VIA.includes(data.via)) throw invalid('via', `must be one of ${CREATED_VIA.join(', ')}`);
  const url = validateUrl(data.url, { allowHttp: data.allowHttp });
  const description = validateDescription(data.description);
  const filters = validateFilters(data.filters);
  const auth = validateSealedAuth(data.auth, { allowHttp: data.allowHttp });
  const headers = validateHeaders(data.headers, { apiKeyHeaderName: authHeaderName(auth) });
  const signingSecret = requireSealedSecret(data.signingSecret, 'signingSecret');
  const createdAt = isoTimestamp(data.now);
  return [
    {
      type: 'WebhookCreated',
      data: { webhookId, tenantId, url, description, filters, auth, headers, signingSecret, createdVia: data.via, createdAt },
    },
  ];
}

/** Only the changed values, so that history shows what an update did. */
function configChanges(data: UpdateWebhook['data'], webhook: Webhook): WebhookConfigChanges {
  const changes: WebhookConfigChanges = {};
  if (isPresent(data.url)) {
    const url = validateUrl(data.url, { allowHttp: data.allowHttp });
    if (url !== webhook.url) changes.url = url;
  }
  if (data.description !== undefined) {
    const description = validateDescription(data.description);
    if (description !== webhook.description) changes.description = description;
  }
  if (isPresent(data.filters)) {
    const input = data.filters;
    const filters = validateFilters(input.productId === undefined ? { ...input, productId: webhook.productId } : input);
    // The scope decides which upsert target a webhook is and which messages reach it; moving it is a new webhook.
    if (filters.productId !== webhook.productId) {
      throw invalid('filters.productId', 'cannot change: the product (or tenant) scope of a webhook is fixed at creation');
    }
    if (!sameFilters(filters, webhook.filters)) changes.filters = filters;
  }
  if (isPresent(data.auth)) {
    const auth = validateSealedAuth(data.auth, { allowHttp: data.allowHttp });
    if (!sameAuth(auth, webhook.auth)) changes.auth = auth;
  }
  const apiKeyHeaderName = authHeaderName(changes.auth ?? webhook.auth);
  if (data.headers !== undefined) {
    const headers = validateHeaders(data.headers, { apiKeyHeaderName });
    if (!sameHeaders(headers, webhook.headers)) changes.headers = headers;
  } else if (changes.auth && apiKeyHeaderName !== null) {
    const clash = Object.keys(webhook.headers).find((name) => name.toLowerCase() === apiKeyHeaderName.toLowerCase());
    if (clash !== undefined) throw invalid('auth.headerName', `is already used by the custom header ${clash}`);
  }
  return changes;
}

function update({ data }: UpdateWebhook, state: WebhookState): WebhookEvent[] {
  const webhook = existing(state);
  const requested = data.state;
  if (requested !== undefined && requested !== 'NEW' && requested !== 'DEACTIVATED') {
    throw invalid('state', 'may only be set to NEW (to re-test) or DEACTIVATED');
  }
  const changes = configChanges(data, webhook);
  const updatedAt = isoTimestamp(data.now);
  const deactivated = webhook.state === 'DEACTIVATED';
  if (deactivated && requested === 'NEW') {
    throw DomainError.invalidState('A deactivated webhook is brought back with reactivate, not by setting NEW', 'state');
  }

  // What the receiver sees changed, so the last test no longer says anything about it.
  const needsTest = changes.url !== undefined || changes.auth !== undefined || changes.headers !== undefined;
  const resultingState: WebhookStatus = deactivated ? 'DEACTIVATED' : needsTest || requested === 'NEW' ? 'NEW' : webhook.state;

  const events: WebhookEvent[] = [];
  if (Object.keys(changes).length > 0 || resultingState !== webhook.state) {
    events.push({ type: 'WebhookUpdated', data: { changes, state: resultingState, updatedAt } });
  }
  if (requested === 'DEACTIVATED' && !deactivated) {
    events.push({ type: 'WebhookDeactivated', data: { reason: null, source: 'USER', deactivatedAt: updatedAt } });
  }
  return events;
}

function recordTest({ data }: RecordWebhookTest, state: WebhookState): WebhookEvent[] {
  const webhook = existing(state);
  if (typeof data.ok !== 'boolean') throw invalid('ok', 'must be true or false');
  const statusCode = data.statusCode ?? null;
  if (statusCode !== null && !(Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 599)) {
    throw invalid('statusCode', 'must be an HTTP status code (100–599)');
  }
  if (typeof data.durationMs !== 'number' || !Number.isFinite(data.durationMs) || data.durationMs < 0) {
    throw invalid('durationMs', 'must be a non-negative number');
  }
  const error = typeof data.error === 'string' && data.error !== '' ? data.error.slice(0, MAX_TEST_ERROR_LENGTH) : null;
  const testedAt = isoTimestamp(data.now);
  if (webhook.state === 'DEACTIVATED') throw DomainError.invalidState('A deactivated webhook cannot be tested');
  return [{ type: 'WebhookTested', data: { ok: data.ok, statusCode, durationMs: data.durationMs, error, testedAt } }];
}

function deactivate({ data }: DeactivateWebhook, state: WebhookState): WebhookEvent[] {
  const webhook = existing(state);
  if (!DEACTIVATION_SOURCES.includes(data.source)) {
    throw invalid('source', `must be one of ${DEACTIVATION_SOURCES.join(', ')}`);
  }
  const reason = optionalText(data.reason, 'reason', { max: MAX_DEACTIVATION_REASON_LENGTH, trim: true });
  const deactivatedAt = isoTimestamp(data.now);
  if (webhook.state === 'DEACTIVATED') return [];
  return [{ type: 'WebhookDeactivated', data: { reason, source: data.source, deactivatedAt } }];
}

function reactivate({ data }: ReactivateWebhook, state: WebhookState): WebhookEvent[] {
  const webhook = existing(state);
  const reactivatedAt = isoTimestamp(data.now);
  if (webhook.state !== 'DEACTIVATED') throw DomainError.invalidState('Only a deactivated webhook can be reactivated');
  return [{ type: 'WebhookReactivated', data: { reactivatedAt } }];
}

function rotateSecret({ data }: RotateWebhookSecret, state: WebhookState): WebhookEvent[] {
  const webhook = existing(state);
  const newSecret = requireSealedSecret(data.newSecret, 'newSecret');
  if (sameSecret(newSecret, webhook.signingSecret)) {
    throw invalid('newSecret', 'must differ from the current signing secret');
  }
  const overlap = data.overlapSeconds;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) {
    throw invalid('overlapSeconds', `must be a whole number of seconds from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`);
  }
  const rotatedAt = isoTimestamp(data.now);
  return [
    {
      type: 'WebhookSecretRotated',
      data: {
        newSecret,
        previousSecret: webhook.signingSecret,
        previousSecretExpiresAt: addSeconds(rotatedAt, overlap),
        rotatedAt,
      },
    },
  ];
}

/** Returns the events a command causes (none when it changes nothing); throws DomainError when refused. */
export function decideWebhook(command: WebhookCommand, state: WebhookState): WebhookEvent[] {
  switch (command.type) {
    case 'CreateWebhook':
      return create(command, state);
    case 'UpdateWebhook':
      return update(command, state);
    case 'RecordWebhookTest':
      return recordTest(command, state);
    case 'DeactivateWebhook':
      return deactivate(command, state);
    case 'ReactivateWebhook':
      return reactivate(command, state);
    case 'RotateWebhookSecret':
      return rotateSecret(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export const webhookDecider: Decider<WebhookCommand, WebhookEvent, WebhookState> = {
  decide: decideWebhook,
  evolve: evolveWebhook,
  initialState: initialWebhookState,
};
