import type { OutboundDelivery, SendOutcome, WebhookSender } from '../../../src/delivery/sending/webhook-sender.js';

/** One request the sender was asked to make, and when. */
export interface SentRequest {
  delivery: OutboundDelivery;
  /** Epoch ms when send() was called. */
  at: number;
}

export type Reply = (delivery: OutboundDelivery, index: number) => SendOutcome | Promise<SendOutcome>;

export const outcomes = {
  ok: (statusCode = 200): SendOutcome => ({ ok: true, statusCode, durationMs: 3, failure: null, responseExcerpt: 'ok', retryAfterMs: null }),
  status: (statusCode: number, retryAfterMs: number | null = null): SendOutcome => ({
    ok: false,
    statusCode,
    durationMs: 3,
    failure: { kind: 'HTTP_STATUS', message: `receiver answered ${statusCode}` },
    responseExcerpt: `status ${statusCode}`,
    retryAfterMs,
  }),
  refused: (): SendOutcome => ({
    ok: false,
    statusCode: null,
    durationMs: 1,
    failure: { kind: 'CONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:9' },
    responseExcerpt: null,
    retryAfterMs: null,
  }),
};

/**
 * A WebhookSender for tests of the worker and the tester: answers per url with
 * scripted replies (200 by default), records every request, and counts
 * requests in flight per url and overall.
 */
export class ScriptedSender implements WebhookSender {
  readonly sent: SentRequest[] = [];
  readonly forgotten: string[] = [];
  readonly maxInFlightByUrl = new Map<string, number>();
  maxInFlight = 0;
  private inFlight = 0;
  private readonly inFlightByUrl = new Map<string, number>();
  private readonly replies = new Map<string, Reply>();
  private readonly counts = new Map<string, number>();
  closed = false;

  /** Replies for one url; `index` counts the requests to that url, tests included. */
  reply(url: string, reply: Reply): void {
    this.replies.set(url, reply);
  }

  /** Deliveries (not tests) sent to `url`. */
  deliveriesTo(url: string): SentRequest[] {
    return this.sent.filter((s) => s.delivery.url === url && !s.delivery.messageId.startsWith('test_'));
  }

  testsTo(url: string): SentRequest[] {
    return this.sent.filter((s) => s.delivery.url === url && s.delivery.messageId.startsWith('test_'));
  }

  async send(delivery: OutboundDelivery): Promise<SendOutcome> {
    this.sent.push({ delivery, at: Date.now() });
    const index = this.counts.get(delivery.url) ?? 0;
    this.counts.set(delivery.url, index + 1);
    this.inFlight += 1;
    const byUrl = (this.inFlightByUrl.get(delivery.url) ?? 0) + 1;
    this.inFlightByUrl.set(delivery.url, byUrl);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.maxInFlightByUrl.set(delivery.url, Math.max(this.maxInFlightByUrl.get(delivery.url) ?? 0, byUrl));
    try {
      const reply = this.replies.get(delivery.url);
      return reply ? await reply(delivery, index) : outcomes.ok();
    } finally {
      this.inFlight -= 1;
      this.inFlightByUrl.set(delivery.url, (this.inFlightByUrl.get(delivery.url) ?? 1) - 1);
    }
  }

  forgetWebhook(webhookId: string): void {
    this.forgotten.push(webhookId);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
