import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Agent } from 'undici';
import { OAuth2TokenCache } from './oauth2-token-cache.js';
import { requestClientCredentialsToken, TokenRequestError } from './oauth2-token-request.js';
import { createOutboundAgent } from './outbound-agent.js';
import { deliveryHeaders } from './delivery-headers.js';
import { describeRequestFailure } from './request-failure.js';
import { RequestDeadline } from './request-deadline.js';
import { readExcerpt } from './response-excerpt.js';
import { parseRetryAfter } from './retry-after.js';
import type { OutboundDelivery, SendOutcome, WebhookSender } from './webhook-sender.js';

export const RESPONSE_EXCERPT_BYTES = 4 * 1024;
export const DEFAULT_USER_AGENT = 'hookgate/0.1';
/** Enough to keep a busy receiver's pipe full at the default per-webhook concurrency, without opening hundreds of sockets. */
export const DEFAULT_CONNECTIONS_PER_ORIGIN = 64;

export interface UndiciWebhookSenderOptions {
  /** `HOOKGATE_DELIVERY_TIMEOUT_MS`: one deadline over connect, response headers and body. */
  timeoutMs: number;
  /** `HOOKGATE_ALLOW_PRIVATE_TARGETS`: without it, the SSRF guard refuses unsafe addresses at connect time. */
  allowPrivateTargets: boolean;
  connectionsPerOrigin?: number;
  userAgent?: string;
  /** Clock for OAuth2 token expiry, in epoch ms. */
  now?: () => number;
}

type PostOutcome = Omit<SendOutcome, 'durationMs'>;

/** Webhook urls whose parsed form is kept; past this many the cache starts again. */
const MAX_CACHED_TARGETS = 10_000;

function statusMessage(status: number, location: string | string[] | undefined): string {
  const reason = STATUS_CODES[status];
  const answered = `receiver answered ${status}${reason ? ` ${reason}` : ''}`;
  if (status >= 300 && status < 400) {
    const target = typeof location === 'string' ? ` to ${location.slice(0, 500)}` : '';
    return `${answered} (redirect${target}; redirects are not followed)`;
  }
  return answered;
}

/**
 * The WebhookSender on undici: one keep-alive Agent for every receiver,
 * Standard Webhooks signatures, the webhook's auth (OAuth2 tokens cached per
 * webhook), one deadline per request, the first 4 KiB of the answer kept.
 */
export class UndiciWebhookSender implements WebhookSender {
  readonly #agent: Agent;
  readonly #targets = new Map<string, { origin: string; path: string }>();
  readonly #tokens: OAuth2TokenCache;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(options: UndiciWebhookSenderOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#agent = createOutboundAgent({
      allowPrivateTargets: options.allowPrivateTargets,
      connectionsPerOrigin: options.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN,
      connectTimeoutMs: options.timeoutMs,
    });
    this.#tokens = new OAuth2TokenCache(
      (credentials) =>
        requestClientCredentialsToken(credentials, {
          dispatcher: this.#agent,
          timeoutMs: this.#timeoutMs,
          userAgent: this.#userAgent,
        }),
      options.now,
    );
  }

  async send(delivery: OutboundDelivery): Promise<SendOutcome> {
    const started = performance.now();
    // Not `{ ...outcome, durationMs }`: spreading first and then adding a key is slow on Node 20 (see ref() in delivery-commands.ts).
    const finish = (outcome: PostOutcome): SendOutcome => Object.assign(outcome, { durationMs: performance.now() - started });
    const auth = delivery.auth;
    if (auth.type !== 'OAUTH2_CLIENT_CREDENTIALS') return finish(await this.#post(delivery, null));

    let token: string;
    try {
      token = await this.#tokens.token(delivery.webhookId, auth);
    } catch (error) {
      return finish(tokenFailure(error));
    }
    const first = await this.#post(delivery, token);
    if (first.statusCode !== 401) return finish(first);
    // The receiver no longer takes the token (revoked, or expired early): one new token, one more try.
    this.#tokens.invalidate(delivery.webhookId, token);
    try {
      token = await this.#tokens.token(delivery.webhookId, auth);
    } catch (error) {
      return finish(tokenFailure(error));
    }
    return finish(await this.#post(delivery, token));
  }

  forgetWebhook(webhookId: string): void {
    this.#tokens.forget(webhookId);
  }

  async close(): Promise<void> {
    this.#tokens.clear();
    await this.#agent.close();
  }

  /**
   * Where a webhook url points, as undici's dispatcher takes it. Parsed once per url: undici's
   * `request(url, …)` would parse it and copy the options into a new object on every send.
   */
  #target(url: string): { origin: string; path: string } {
    let target = this.#targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (this.#targets.size >= MAX_CACHED_TARGETS) this.#targets.clear();
      this.#targets.set(url, target);
    }
    return target;
  }

  async #post(delivery: OutboundDelivery, bearerToken: string | null): Promise<PostOutcome> {
    const deadline = new RequestDeadline(this.#timeoutMs);
    try {
      const { origin, path } = this.#target(delivery.url);
      const response = await this.#agent.request({
        origin,
        path,
        method: 'POST',
        headers: deliveryHeaders(delivery, { bearerToken, userAgent: this.#userAgent }),
        body: delivery.body,
        signal: deadline,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const status = response.statusCode;
      // The status decides the outcome; a body cut short only shortens the excerpt.
      const excerpt = await readExcerpt(response.body, RESPONSE_EXCERPT_BYTES);
      const ok = status >= 200 && status < 300;
      return {
        ok,
        statusCode: status,
        failure: ok ? null : { kind: 'HTTP_STATUS', message: statusMessage(status, response.headers['location']) },
        responseExcerpt: excerpt,
        retryAfterMs:
          status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after'], Date.now()) : null,
      };
    } catch (error) {
      return {
        ok: false,
        statusCode: null,
        failure: describeRequestFailure(error, deadline.aborted, this.#timeoutMs),
        responseExcerpt: null,
        retryAfterMs: null,
      };
    } finally {
      deadline.clear();
    }
  }
}

function tokenFailure(error: unknown): PostOutcome {
  const failure =
    error instanceof TokenRequestError
      ? { kind: error.kind, message: error.message }
      : { kind: 'AUTH' as const, message: `OAuth2 token request failed: ${error instanceof Error ? error.message : String(error)}` };
  return { ok: false, statusCode: null, failure, responseExcerpt: null, retryAfterMs: null };
}
