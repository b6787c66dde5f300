import type { Event } from '../decider.js';
import type { SealedSecret } from '../sealed-secret.js';

export const CLOUDS = ['AWS', 'AZURE', 'GCP', 'REDHAT'] as const;
export type Cloud = (typeof CLOUDS)[number];

export const WEBHOOK_STATUSES = ['NEW', 'VALID', 'INVALID', 'DEACTIVATED'] as const;
/** `NEW`: created or changed, not tested yet; `VALID`/`INVALID`: outcome of the last test. */
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export type DeactivationSource = 'USER' | 'GONE' | 'FAILING';
export type CreatedVia = 'CREATE' | 'UPSERT';

/** Empty lists mean "no restriction"; at least one of the three is set (see validateFilters). */
export type WebhookFilters = {
  /** Set: a product-level webhook. Null: tenant-level. */
  productId: string | null;
  clouds: Cloud[];
  eventTypes: string[];
};

export const AUTH_TYPES = ['NONE', 'BASIC', 'HEADER_API_KEY', 'OAUTH2_CLIENT_CREDENTIALS'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/**
 * The receiver's auth, generic in how its secrets are held: `string` for raw
 * input after validation (before sealing), `SealedSecret` in commands, events
 * and state.
 */
export type AuthOf<Secret> =
  | { type: 'NONE' }
  | { type: 'BASIC'; username: string; password: Secret }
  | { type: 'HEADER_API_KEY'; headerName: string; apiKey: Secret }
  | {
      type: 'OAUTH2_CLIENT_CREDENTIALS';
      clientId: string;
      clientSecret: Secret;
      tokenUrl: string;
      scope: string | null;
      audience: string | null;
    };

export type WebhookAuth = AuthOf<SealedSecret>;
export type PlainWebhookAuth = AuthOf<string>;

export type WebhookTestResult = {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  testedAt: string;
};

/**
 * Kept beside the current secret (not merged into the sealed object) so that
 * redacting the secret does not also hide when it expires.
 */
export type PreviousSigningSecret = { secret: SealedSecret; expiresAt: string };

export type Webhook = {
  exists: true;
  id: string;
  tenantId: string;
  /** Normalised by the WHATWG URL parser (`https://Example.com` → `https://example.com/`). */
  url: string;
  description: string | null;
  state: WebhookStatus;
  /** Same as `filters.productId`; fixed at creation. */
  productId: string | null;
  filters: WebhookFilters;
  auth: WebhookAuth;
  headers: Record<string, string>;
  signingSecret: SealedSecret;
  /** Still accepted by receivers until `expiresAt`; see activeSigningSecrets. */
  previousSigningSecret: PreviousSigningSecret | null;
  createdAt: string;
  /** Last change of configuration or lifecycle; test results do not count (see lastTest.testedAt). */
  updatedAt: string;
  /** Stream revision of the last event: 0 right after creation. */
  version: number;
  lastTest: WebhookTestResult | null;
  deactivation: { reason: string | null; source: DeactivationSource } | null;
  createdVia: CreatedVia;
};

export type WebhookState = { exists: false } | Webhook;

/** The configuration an update may change; a key is present only when its value changed. */
export type WebhookConfigChanges = {
  url?: string;
  description?: string | null;
  filters?: WebhookFilters;
  auth?: WebhookAuth;
  headers?: Record<string, string>;
};

export type WebhookCreated = Event<
  'WebhookCreated',
  {
    webhookId: string;
    tenantId: string;
    url: string;
    description: string | null;
    filters: WebhookFilters;
    auth: WebhookAuth;
    headers: Record<string, string>;
    signingSecret: SealedSecret;
    createdVia: CreatedVia;
    createdAt: string;
  }
>;

/** `state` is the state after the update: decide already applied the re-test rules. */
export type WebhookUpdated = Event<
  'WebhookUpdated',
  { changes: WebhookConfigChanges; state: WebhookStatus; updatedAt: string }
>;

export type WebhookTested = Event<'WebhookTested', WebhookTestResult>;

export type WebhookDeactivated = Event<
  'WebhookDeactivated',
  { reason: string | null; source: DeactivationSource; deactivatedAt: string }
>;

export type WebhookReactivated = Event<'WebhookReactivated', { reactivatedAt: string }>;

export type WebhookSecretRotated = Event<
  'WebhookSecretRotated',
  { newSecret: SealedSecret; previousSecret: SealedSecret; previousSecretExpiresAt: string; rotatedAt: string }
>;

export type WebhookEvent =
  | WebhookCreated
  | WebhookUpdated
  | WebhookTested
  | WebhookDeactivated
  | WebhookReactivated
  | WebhookSecretRotated;

export type WebhookEventType = WebhookEvent['type'];

/** A record, so that an event added to the union and not listed here fails to compile. */
const WEBHOOK_EVENT_TYPE_SET: Record<WebhookEventType, true> = {
  WebhookCreated: true,
  WebhookUpdated: true,
  WebhookTested: true,
  WebhookDeactivated: true,
  WebhookReactivated: true,
  WebhookSecretRotated: true,
};

/** For subscriptions and projections that filter by event type. */
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_TYPE_SET) as readonly WebhookEventType[];

export const initialWebhookState = (): WebhookState => ({ exists: false });

/**
 * A stream that does not start with WebhookCreated, or has a second one, was
 * not written by decideWebhook: fail loudly rather than invent a webhook.
 */
function corruptStream(event: WebhookEvent, state: WebhookState): Error {
  return new Error(`Cannot apply ${event.type} to a webhook that ${state.exists ? 'already exists' : 'does not exist'}`);
}

/** Every event but WebhookCreated applies to an existing webhook and moves its version on by one. */
function nextRevision(state: WebhookState, event: WebhookEvent): Webhook {
  if (!state.exists) throw corruptStream(event, state);
  return { ...state, version: state.version + 1 };
}

export function evolveWebhook(state: WebhookState, event: WebhookEvent): WebhookState {
  switch (event.type) {
    case 'WebhookCreated': {
      if (state.exists) throw corruptStream(event, state);
      const data = event.data;
      return {
        exists: true,
        id: data.webhookId,
        tenantId: data.tenantId,
        url: data.url,
        description: data.description,
        state: 'NEW',
        productId: data.filters.productId,
        filters: data.filters,
        auth: data.auth,
        headers: data.headers,
        signingSecret: data.signingSecret,
        previousSigningSecret: null,
        createdAt: data.createdAt,
        updatedAt: data.createdAt,
        version: 0,
        lastTest: null,
        deactivation: null,
        createdVia: data.createdVia,
      };
    }
    case 'WebhookUpdated': {
      const webhook = nextRevision(state, event);
      const { changes, state: status, updatedAt } = event.data;
      const filters = changes.filters ?? webhook.filters;
      return {
        ...webhook,
        url: changes.url ?? webhook.url,
        description: changes.description !== undefined ? changes.description : webhook.description,
        filters,
        productId: filters.productId,
        auth: changes.auth ?? webhook.auth,
        headers: changes.headers ?? webhook.headers,
        state: status,
        updatedAt,
      };
    }
    case 'WebhookTested':
      return { ...nextRevision(state, event), state: event.data.ok ? 'VALID' : 'INVALID', lastTest: event.data };
    case 'WebhookDeactivated':
      return {
        ...nextRevision(state, event),
        state: 'DEACTIVATED',
        deactivation: { reason: event.data.reason, source: event.data.source },
        updatedAt: event.data.deactivatedAt,
      };
    case 'WebhookReactivated':
      return { ...nextRevision(state, event), state: 'NEW', deactivation: null, updatedAt: event.data.reactivatedAt };
    case 'WebhookSecretRotated':
      return {
        ...nextRevision(state, event),
        signingSecret: event.data.newSecret,
        previousSigningSecret: { secret: event.data.previousSecret, expiresAt: event.data.previousSecretExpiresAt },
        updatedAt: event.data.rotatedAt,
      };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
