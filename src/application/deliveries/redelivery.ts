import { deliveryDecider } from '../../domain/delivery/delivery-commands.js';
import { DomainError } from '../../domain/errors.js';
import type { Webhook } from '../../domain/webhook/webhook-events.js';
import type { EventStore } from '../../eventstore/event-store.js';
import type { Clock } from '../../ports/clock.js';
import { deliveryStream } from '../../streams/stream-names.js';
import type { DeliveryView } from '../../../projections/deliveries/delivery-queries.js';
import { handleCommand } from '../command-handler.js';
import { NotFoundError } from '../errors.js';
import { eventMetadata, type RequestMeta } from '../request-meta.js';

export interface RedeliveryReadModel {
  delivery(tenantId: string, id: string): DeliveryView | undefined;
  webhook(tenantId: string, id: string): Webhook | undefined;
  failedDeliveries(
    tenantId: string,
    webhookId: string,
    since: Date,
    limit: number,
    after?: { createdAt: string; id: string },
  ): { id: string; messageId: string; createdAt: string }[];
  waitForPosition(position: number): Promise<void>;
}

export interface RedeliveryDependencies {
  store: EventStore;
  readModel: RedeliveryReadModel;
  clock: Clock;
}

const PAGE = 500;

/** Sending finished deliveries again: a new round of the retry schedule, with the same webhook-id. */
export class Redelivery {
  constructor(private readonly deps: RedeliveryDependencies) {}

  async redeliver(meta: RequestMeta, deliveryId: string): Promise<DeliveryView> {
    const delivery = this.deps.readModel.delivery(meta.tenantId, deliveryId);
    if (!delivery) throw new NotFoundError('Delivery', deliveryId);
    this.receivingWebhook(meta, delivery.webhookId, 'deliveryId');
    const position = await this.request(meta, delivery);
    await this.deps.readModel.waitForPosition(position);
    return this.deps.readModel.delivery(meta.tenantId, deliveryId)!;
  }

  /** Every FAILED delivery of the webhook published at or after `since`; returns how many were requested. */
  async redeliverFailed(meta: RequestMeta, webhookId: string, since: Date): Promise<number> {
    if (Number.isNaN(since.getTime())) throw DomainError.invalidInput('since', 'must be a valid date');
    this.receivingWebhook(meta, webhookId, 'webhookId');
    let count = 0;
    let last = 0;
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const page = this.deps.readModel.failedDeliveries(meta.tenantId, webhookId, since, PAGE, after);
      for (const failed of page) {
        try {
          last = Math.max(last, await this.request(meta, { id: failed.id, messageId: failed.messageId, webhookId }));
          count += 1;
        } catch (error) {
          // Redelivered meanwhile by someone else: it is on its way again, which is what was asked.
          if (!(error instanceof DomainError && error.code === 'INVALID_STATE')) throw error;
        }
      }
      if (page.length < PAGE) break;
      const end = page[page.length - 1]!;
      after = { createdAt: end.createdAt, id: end.id };
    }
    if (last > 0) await this.deps.readModel.waitForPosition(last);
    return count;
  }

  private receivingWebhook(meta: RequestMeta, webhookId: string, field: string): void {
    const webhook = this.deps.readModel.webhook(meta.tenantId, webhookId);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    if (webhook.state === 'DEACTIVATED') {
      throw DomainError.invalidState('The webhook is deactivated: reactivate it before redelivering', field);
    }
  }

  private async request(meta: RequestMeta, delivery: Pick<DeliveryView, 'id' | 'messageId' | 'webhookId'>): Promise<number> {
    const handled = await handleCommand(
      this.deps.store,
      deliveryStream(delivery.id),
      deliveryDecider,
      {
        type: 'RequestRedelivery',
        data: { deliveryId: delivery.id, messageId: delivery.messageId, webhookId: delivery.webhookId, now: this.deps.clock.now() },
      },
      { metadata: eventMetadata(meta) },
    );
    return handled.appended!.position;
  }
}
