import { DomainError } from '../../domain/errors.js';
import { webhookDecider } from '../../domain/webhook/webhook-commands.js';
import type { Webhook, WebhookTestResult } from '../../domain/webhook/webhook-events.js';
import type { EventMetadata, EventStore } from '../../eventstore/event-store.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';
import { webhookStream } from '../../streams/stream-names.js';
import { deliveryBody, type WebhookEndpoints } from '../../delivery/webhook-endpoints.js';
import type { SendOutcome, WebhookSender } from '../../delivery/sending/webhook-sender.js';
import { handleCommand } from '../command-handler.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { eventMetadata, type RequestMeta } from '../request-meta.js';

export const TEST_EVENT_TYPE = 'webhook.test';

export interface WebhookTestingReadModel {
  webhook(tenantId: string, id: string): Webhook | undefined;
  waitForPosition(position: number): Promise<void>;
}

export interface WebhookTestingDependencies {
  store: EventStore;
  readModel: WebhookTestingReadModel;
  sender: WebhookSender;
  endpoints: WebhookEndpoints;
  clock: Clock;
  ids: IdGenerator;
}

export interface WebhookTestOutcome {
  result: WebhookTestResult;
  webhook: Webhook;
}

/** Each record races at most this many concurrent tests of the same configuration. */
const RECORD_RETRIES = 3;

/**
 * Sends a signed `webhook.test` event to a webhook and records the outcome as
 * WebhookTested (VALID or INVALID). The outcome is recorded only if the
 * webhook's configuration did not change while the test ran: a test of an old
 * url or auth says nothing about the new one (the new configuration is NEW
 * and gets its own test). Other tests finishing meanwhile do not count as a
 * change.
 */
export class WebhookTesting {
  constructor(private readonly deps: WebhookTestingDependencies) {}

  /** `testWebhook`: tests one of the tenant's webhooks now and answers with the outcome. */
  async test(meta: RequestMeta, webhookId: string): Promise<WebhookTestOutcome> {
    const webhook = this.deps.readModel.webhook(meta.tenantId, webhookId);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    if (webhook.state === 'DEACTIVATED') {
      throw DomainError.invalidState('A deactivated webhook cannot be tested: reactivate it first', 'id');
    }
    const outcome = await this.send(webhook);
    const position = await this.record(webhook, outcome, eventMetadata(meta));
    if (position === null) {
      throw new ConflictError('The webhook changed while it was being tested; test it again', null);
    }
    await this.deps.readModel.waitForPosition(position);
    const after = this.deps.readModel.webhook(meta.tenantId, webhookId)!;
    return { result: after.lastTest!, webhook: after };
  }

  /**
   * The automatic test of a NEW webhook at `version`. Returns false when the
   * outcome was not recorded because the webhook changed meanwhile.
   */
  async testAutomatically(tenantId: string, webhookId: string, version: number): Promise<boolean> {
    const webhook = this.deps.readModel.webhook(tenantId, webhookId);
    if (!webhook || webhook.version !== version || webhook.state !== 'NEW') return false;
    const outcome = await this.send(webhook);
    const metadata: EventMetadata = { tenantId, actor: 'system:tester', correlationId: webhookId };
    return (await this.record(webhook, outcome, metadata)) !== null;
  }

  private async send(webhook: Webhook): Promise<SendOutcome> {
    const { endpoints, sender, clock, ids } = this.deps;
    const now = clock.now();
    const timestamp = now.toISOString();
    const data = JSON.stringify({ webhookId: webhook.id, message: 'This is a test event from hookgate.' });
    const endpoint = endpoints.endpoint(webhook);
    return sender.send(endpoints.outbound(endpoint, `test_${ids.newId()}`, deliveryBody(TEST_EVENT_TYPE, timestamp, data), now));
  }

  /** Appends WebhookTested if only tests happened since `tested.version`; the position, or null when it changed. */
  private async record(tested: Webhook, outcome: SendOutcome, metadata: EventMetadata): Promise<number | null> {
    const stream = webhookStream(tested.id);
    for (let attempt = 0; ; attempt++) {
      const since = await this.deps.store.readStream(stream, { fromRevision: tested.version + 1 });
      if (since.events.some((event) => event.type !== 'WebhookTested')) return null;
      try {
        const handled = await handleCommand(
          this.deps.store,
          stream,
          webhookDecider,
          {
            type: 'RecordWebhookTest',
            data: {
              ok: outcome.ok,
              statusCode: outcome.statusCode,
              durationMs: Math.round(outcome.durationMs),
              error: outcome.failure?.message ?? null,
              now: this.deps.clock.now(),
            },
          },
          { expectedVersion: tested.version + since.events.length, metadata },
        );
        return handled.appended!.position;
      } catch (error) {
        if (error instanceof ConflictError && attempt < RECORD_RETRIES) continue;
        if (error instanceof ConflictError) return null;
        throw error;
      }
    }
  }
}
