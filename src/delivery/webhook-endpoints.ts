import type { SealedSecret } from '../domain/sealed-secret.js';
import type { PlainWebhookAuth, Webhook } from '../domain/webhook/webhook-events.js';
import { activeSigningSecrets, mapAuthSecrets, sameAuth } from '../domain/webhook/webhook-rules.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { OutboundDelivery, WebhookSender } from './sending/webhook-sender.js';

/** A webhook ready to send to: its secrets opened. */
export interface OpenedEndpoint {
  webhookId: string;
  version: number;
  url: string;
  auth: PlainWebhookAuth;
  headers: Readonly<Record<string, string>>;
  /** Sealed, so that which ones apply is decided at send time (a rotation's overlap ends). */
  sealedSigningSecrets: Pick<Webhook, 'signingSecret' | 'previousSigningSecret'>;
}

/**
 * Opens webhooks' secrets for sending, once per webhook version rather than
 * once per delivery, and tells the sender to forget a webhook's OAuth2 token
 * when its auth changed.
 */
export class WebhookEndpoints {
  private readonly opened = new Map<string, OpenedEndpoint & { sealedAuth: Webhook['auth'] }>();
  private readonly signingSecrets = new Map<string, string>();

  constructor(
    private readonly secrets: SecretBox,
    private readonly sender: Pick<WebhookSender, 'forgetWebhook'>,
  ) {}

  endpoint(webhook: Webhook): OpenedEndpoint {
    const cached = this.opened.get(webhook.id);
    if (cached && cached.version === webhook.version) return cached;
    if (cached && !sameAuth(cached.sealedAuth, webhook.auth)) this.sender.forgetWebhook(webhook.id);
    const endpoint = {
      webhookId: webhook.id,
      version: webhook.version,
      url: webhook.url,
      auth: mapAuthSecrets(webhook.auth, (secret: SealedSecret) => this.secrets.open(secret)),
      headers: webhook.headers,
      sealedSigningSecrets: { signingSecret: webhook.signingSecret, previousSigningSecret: webhook.previousSigningSecret },
      sealedAuth: webhook.auth,
    };
    this.opened.set(webhook.id, endpoint);
    return endpoint;
  }

  /** The whole outbound request for one attempt at `now`. */
  outbound(endpoint: OpenedEndpoint, messageId: string, body: string, now: Date): OutboundDelivery {
    return {
      webhookId: endpoint.webhookId,
      url: endpoint.url,
      messageId,
      timestamp: now,
      body,
      signingSecrets: activeSigningSecrets(endpoint.sealedSigningSecrets, now).map((sealed) => this.openSigningSecret(sealed)),
      auth: endpoint.auth,
      headers: endpoint.headers,
    };
  }

  private openSigningSecret(sealed: SealedSecret): string {
    // Keyed by ciphertext: a fingerprint could collide across encryption keys after a key rotation.
    const key = `${sealed.keyId}:${sealed.ciphertext}`;
    let plain = this.signingSecrets.get(key);
    if (plain === undefined) {
      plain = this.secrets.open(sealed);
      this.signingSecrets.set(key, plain);
    }
    return plain;
  }
}

/** The Standard Webhooks body, `{"type","timestamp","data"}`, with the stored payload JSON put in as it is. */
export function deliveryBody(type: string, timestamp: string, payloadJson: string): string {
  return `{"type":${JSON.stringify(type)},"timestamp":${JSON.stringify(timestamp)},"data":${payloadJson}}`;
}
