import type { SealedSecret } from '../../src/domain/sealed-secret.js';
import { webhookDecider, type CreateWebhook, type UpdateWebhook } from '../../src/domain/webhook/webhook-commands.js';
import type {
  Webhook,
  WebhookCreated,
  WebhookDeactivated,
  WebhookState,
  WebhookTested,
} from '../../src/domain/webhook/webhook-events.js';
import { deciderSpec } from './decider-spec.js';

export const given = deciderSpec(webhookDecider);

export const T0 = new Date('2025-01-01T00:00:00.000Z');
export const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
export const iso = (minutes: number): string => at(minutes).toISOString();

/** A stand-in for a secret sealed by SecretBox; the fingerprint identifies the plaintext. */
export const sealed = (plaintext: string, keyId = 'key-1'): SealedSecret => ({
  keyId,
  iv: `iv-${plaintext}-${keyId}`,
  ciphertext: `ct-${plaintext}-${keyId}`,
  tag: `tag-${plaintext}-${keyId}`,
  fingerprint: `fp-${plaintext}`,
});

export const createWebhook = (data: Partial<CreateWebhook['data']> = {}): CreateWebhook => ({
  type: 'CreateWebhook',
  data: {
    webhookId: 'wh-1',
    tenantId: 'tenant-1',
    url: 'https://receiver.example.com/hooks',
    filters: { clouds: ['AWS'] },
    auth: { type: 'NONE' },
    headers: {},
    signingSecret: sealed('signing-1'),
    via: 'CREATE',
    now: T0,
    allowHttp: false,
    ...data,
  },
});

export const webhookCreated = (data: Partial<WebhookCreated['data']> = {}): WebhookCreated => ({
  type: 'WebhookCreated',
  data: {
    webhookId: 'wh-1',
    tenantId: 'tenant-1',
    url: 'https://receiver.example.com/hooks',
    description: null,
    filters: { productId: null, clouds: ['AWS'], eventTypes: [] },
    auth: { type: 'NONE' },
    headers: {},
    signingSecret: sealed('signing-1'),
    createdVia: 'CREATE',
    createdAt: T0.toISOString(),
    ...data,
  },
});

export const updateWebhook = (data: Partial<UpdateWebhook['data']>): UpdateWebhook => ({
  type: 'UpdateWebhook',
  data: { now: at(10), allowHttp: false, ...data },
});

export const webhookTested = (ok: boolean, minutes = 1): WebhookTested => ({
  type: 'WebhookTested',
  data: { ok, statusCode: ok ? 200 : 500, durationMs: 42, error: ok ? null : 'HTTP 500', testedAt: iso(minutes) },
});

export const webhookDeactivated = (minutes = 2): WebhookDeactivated => ({
  type: 'WebhookDeactivated',
  data: { reason: null, source: 'USER', deactivatedAt: iso(minutes) },
});

/** Narrows a folded state to an existing webhook, failing the test otherwise. */
export function existing(state: WebhookState): Webhook {
  if (!state.exists) throw new Error('expected the webhook to exist');
  return state;
}
