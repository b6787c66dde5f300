import type { EventPublisher } from '../deliveries/event-publisher.js';
import { FORWARDING_ACTOR, type TriggerForwarder } from './trigger-forwarding.js';

/**
 * Forwards trigger calls through publishEvent, as the tenant's own publish
 * would: routed to its matching VALID webhooks (tenant-level ones, as the
 * call names no product), on the tenant's behalf, by the forwarding actor.
 */
export class PublishingForwarder implements TriggerForwarder {
  constructor(private readonly publisher: Pick<EventPublisher, 'publish'>) {}

  async forward(request: Parameters<TriggerForwarder['forward']>[0]): Promise<{ messageId: string }> {
    const published = await this.publisher.publish(
      { tenantId: request.tenantId, actor: FORWARDING_ACTOR, correlationId: request.correlationId },
      { type: request.eventType, payload: request.payload, idempotencyKey: request.idempotencyKey },
    );
    return { messageId: published.message.id };
  }
}
