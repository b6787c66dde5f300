import { createHash } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';
import { validateEventType } from '../../domain/event-type-patterns.js';
import { IDEMPOTENCY_WINDOW_MS, idempotencyDecider } from '../../domain/message/idempotency-commands.js';
import { messageDecider, type PublishMessage } from '../../domain/message/message-commands.js';
import { initialMessageState } from '../../domain/message/message-events.js';
import { routeMessage } from '../../domain/message/routing.js';
import { CLOUDS, type Webhook } from '../../domain/webhook/webhook-events.js';
import { MAX_PRODUCT_ID_LENGTH } from '../../domain/webhook/webhook-rules.js';
import { optionalText } from '../../domain/validation.js';
import type { EventStore, JsonValue } from '../../eventstore/event-store.js';
import { WrongExpectedVersion } from '../../eventstore/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';
import { idempotencyStream, messageStream } from '../../streams/stream-names.js';
import type { DeliveryView, MessageView } from '../../../projections/deliveries/delivery-queries.js';
import { handleCommand } from '../command-handler.js';
import { eventMetadata, type RequestMeta } from '../request-meta.js';

export interface PublishInput {
  type: string;
  payload?: unknown;
  productId?: string | null;
  cloud?: string | null;
  idempotencyKey?: string | null;
}

export interface PublishResult {
  message: MessageView;
  deliveries: DeliveryView[];
  /** True when the idempotency key had been used within 24 h: this is the first publish's result, and nothing was sent again. */
  replayed: boolean;
}

/** What publishing reads: webhooks and tenant settings for routing, and its own writes once projected. */
export interface PublishReadModel {
  validWebhooks(tenantId: string): Webhook[];
  disabledEventTypes(tenantId: string): readonly string[];
  message(tenantId: string, messageId: string): MessageView | undefined;
  deliveriesOfMessage(tenantId: string, messageId: string): DeliveryView[];
  waitForPosition(position: number): Promise<void>;
}

export interface EventPublisherDependencies {
  store: EventStore;
  readModel: PublishReadModel;
  clock: Clock;
  ids: IdGenerator;
  /** Backpressure: resolves when a new message may be published (the delivery backlog has room). */
  admission?: { whenAdmitted(): Promise<void> };
}

export interface ResolveQuery {
  productId?: string | null;
  eventType: string;
  cloud?: string | null;
}

/** Publishing events: idempotency, routing and the MessagePublished that creates the deliveries. */
export class EventPublisher {
  constructor(private readonly deps: EventPublisherDependencies) {}

  async publish(meta: RequestMeta, input: PublishInput): Promise<PublishResult> {
    const { clock, ids } = this.deps;
    const messageId = ids.newId();
    const now = clock.now();
    // Bad input is refused before an idempotency key is claimed for it.
    const [checked] = messageDecider.decide(this.command(meta, messageId, input, [], now), initialMessageState());
    const key = checked!.data.idempotencyKey;
    if (key === null) return this.publishAs(meta, messageId, input, now);

    const claimed = await handleCommand(
      this.deps.store,
      idempotencyStream(meta.tenantId, createHash('sha256').update(key, 'utf8').digest('hex')),
      idempotencyDecider,
      { type: 'ClaimIdempotencyKey', data: { messageId, now, windowMs: IDEMPOTENCY_WINDOW_MS } },
      { metadata: eventMetadata(meta) },
    );
    if (claimed.events.length > 0) return this.publishAs(meta, messageId, input, now);
    return this.firstResult(meta, claimed.state.claim!.messageId, input, now);
  }

  /** Who would receive an event of this type, product and cloud now. */
  resolve(meta: RequestMeta, query: ResolveQuery): Webhook[] {
    const eventType = validateEventType(query.eventType, 'eventType');
    const productId = optionalText(query.productId, 'productId', { max: MAX_PRODUCT_ID_LENGTH, trim: true });
    const cloud = query.cloud ?? null;
    if (cloud !== null && !(CLOUDS as readonly string[]).includes(cloud)) {
      throw DomainError.invalidInput('cloud', `must be one of ${CLOUDS.join(', ')}`);
    }
    const { readModel } = this.deps;
    return routeMessage(readModel.validWebhooks(meta.tenantId), readModel.disabledEventTypes(meta.tenantId), {
      type: eventType,
      productId,
      cloud,
    });
  }

  private command(meta: RequestMeta, messageId: string, input: PublishInput, receivers: Webhook[], now: Date): PublishMessage {
    return {
      type: 'PublishMessage',
      data: {
        messageId,
        tenantId: meta.tenantId,
        type: input.type,
        payload: input.payload,
        productId: input.productId ?? null,
        cloud: input.cloud ?? null,
        idempotencyKey: input.idempotencyKey ?? null,
        receivers: receivers.map((webhook) => webhook.id),
        deliveryIds: receivers.map(() => this.deps.ids.newId()),
        now,
      },
    };
  }

  private async publishAs(meta: RequestMeta, messageId: string, input: PublishInput, requestedAt: Date): Promise<PublishResult> {
    const { readModel, store, admission, clock } = this.deps;
    let now = requestedAt;
    if (admission) {
      await admission.whenAdmitted();
      // Published when admitted: a publish may have waited for the delivery backlog.
      now = clock.now();
    }
    const receivers = routeMessage(readModel.validWebhooks(meta.tenantId), readModel.disabledEventTypes(meta.tenantId), {
      type: input.type,
      productId: input.productId?.trim() || null,
      cloud: input.cloud ?? null,
    });
    // A message id is new unless an idempotency claim named it, so the stream is not read first:
    // the decision is made on the empty state and the append insists that the stream does not exist.
    const events = messageDecider.decide(this.command(meta, messageId, input, receivers, now), initialMessageState());
    const metadata = eventMetadata(meta);
    try {
      const appended = await store.appendToStream(
        messageStream(messageId),
        events.map((event) => ({ id: this.deps.ids.newId(), type: event.type, data: event.data as unknown as JsonValue, metadata })),
        { expectedRevision: 'no_stream' },
      );
      await readModel.waitForPosition(appended.position);
      return this.result(meta, messageId, false);
    } catch (error) {
      // Another request with the same key published this message id first: answer with its result.
      if (error instanceof WrongExpectedVersion) return this.firstResult(meta, messageId, input, now);
      throw error;
    }
  }

  /**
   * The result of the message an idempotency key stands for. A claim whose
   * message is not in the log (the claiming request crashed, or is still
   * routing) is finished here with the claimed id; the message stream's
   * no-stream check lets exactly one request publish it.
   */
  private async firstResult(meta: RequestMeta, messageId: string, input: PublishInput, now: Date): Promise<PublishResult> {
    const read = await this.deps.store.readStream(messageStream(messageId), { maxCount: 1 });
    const published = read.events[0];
    if (!published) return this.publishAs(meta, messageId, input, now);
    await this.deps.readModel.waitForPosition(published.position);
    return this.result(meta, messageId, true);
  }

  private result(meta: RequestMeta, messageId: string, replayed: boolean): PublishResult {
    const { readModel } = this.deps;
    const message = readModel.message(meta.tenantId, messageId);
    if (!message) throw new Error(`Message ${messageId} is in the log but not in the read model`);
    // Read when asked for (a publisher often wants the message id only), then kept.
    let deliveries: DeliveryView[] | undefined;
    return {
      message,
      get deliveries() {
        deliveries ??= readModel.deliveriesOfMessage(meta.tenantId, messageId);
        return deliveries;
      },
      replayed,
    };
  }
}
