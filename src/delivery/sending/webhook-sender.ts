import type { PlainWebhookAuth } from '../../domain/webhook/webhook-events.js';

/** One signed POST to a receiver: everything the sender needs, secrets already opened. */
export interface OutboundDelivery {
  /** Keys per-webhook state in the sender (the OAuth2 token cache, in-flight limits). */
  webhookId: string;
  url: string;
  /** The Standard Webhooks `webhook-id`: the same on every attempt of a delivery, so receivers can deduplicate. */
  messageId: string;
  /** `webhook-timestamp`: when this attempt is made. */
  timestamp: Date;
  /** The JSON body exactly as it is signed and sent: `{"type","timestamp","data"}`. */
  body: string;
  /** Plain `whsec_…` secrets; the current one first, then any still inside a rotation's overlap. */
  signingSecrets: readonly string[];
  auth: PlainWebhookAuth;
  /** The webhook's custom headers; they never replace signature, auth or transport headers. */
  headers: Readonly<Record<string, string>>;
}

export type SendFailureKind =
  /** The receiver answered with a status other than 2xx (3xx included: redirects are not followed). */
  | 'HTTP_STATUS'
  | 'TIMEOUT'
  /** Refused, reset, DNS failure, TLS failure. */
  | 'CONNECTION'
  /** The url's host is or resolves to an address deliveries may not reach. */
  | 'UNSAFE_TARGET'
  /** The OAuth2 token endpoint did not give a token. */
  | 'AUTH';

export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  failure: { kind: SendFailureKind; message: string } | null;
  /** The first 4 KiB of the response body, as text. */
  responseExcerpt: string | null;
  /** From `Retry-After` on a 429 or 503, in milliseconds from now. */
  retryAfterMs: number | null;
}

/** The port through which every delivery and webhook test leaves hookgate. */
export interface WebhookSender {
  send(delivery: OutboundDelivery): Promise<SendOutcome>;
  /** Forgets a webhook's cached OAuth2 token (its auth changed). */
  forgetWebhook(webhookId: string): void;
  close(): Promise<void>;
}
