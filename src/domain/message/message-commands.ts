import type { JsonValue } from '../json.js';
import type { Command, Decider } from '../decider.js';
import { DomainError } from '../errors.js';
import { validateEventType } from '../event-type-patterns.js';
import { isoTimestamp, optionalText, requireText } from '../validation.js';
import { CLOUDS, type Cloud } from '../webhook/webhook-events.js';
import { MAX_PRODUCT_ID_LENGTH } from '../webhook/webhook-rules.js';
import { evolveMessage, initialMessageState, type MessageDelivery, type MessageEvent, type MessageState } from './message-events.js';

/**
 * Publishes a message to the webhooks routing chose (`receivers`, webhook
 * ids), one new delivery id each (`deliveryIds`, same order): both are
 * computed outside, routing from the read model and ids from the id port.
 */
export type PublishMessage = Command<
  'PublishMessage',
  {
    messageId: string;
    tenantId: string;
    type: string;
    payload: unknown;
    productId?: string | null;
    cloud?: string | null;
    idempotencyKey?: string | null;
    receivers: readonly string[];
    deliveryIds: readonly string[];
    now: Date;
  }
>;

export type MessageCommand = PublishMessage;

/** The serialised payload may be at most this many bytes (UTF-8). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;
export const MAX_MESSAGE_ID_LENGTH = 128;

const invalid = DomainError.invalidInput;

function validatePayload(value: unknown): JsonValue {
  if (value === undefined) throw invalid('payload', 'is required (any JSON value)');
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw invalid('payload', 'must be JSON');
  }
  if (text === undefined) throw invalid('payload', 'must be JSON');
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw invalid('payload', `must be at most ${MAX_PAYLOAD_BYTES / 1024} KiB as JSON`);
  }
  return value as JsonValue;
}

function validateCloud(value: unknown): Cloud | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || !(CLOUDS as readonly string[]).includes(value)) {
    throw invalid('cloud', `must be one of ${CLOUDS.join(', ')}`);
  }
  return value as Cloud;
}

function validateDeliveries(receivers: readonly string[], deliveryIds: readonly string[]): MessageDelivery[] {
  if (!Array.isArray(receivers) || !Array.isArray(deliveryIds) || receivers.length !== deliveryIds.length) {
    throw invalid('deliveryIds', 'must hold one delivery id per receiving webhook');
  }
  const webhooks = new Set<string>();
  const deliveries = new Set<string>();
  return receivers.map((webhookId, index) => {
    const deliveryId = requireText(deliveryIds[index], `deliveryIds.${index}`, { max: MAX_MESSAGE_ID_LENGTH });
    requireText(webhookId, `receivers.${index}`, { max: MAX_MESSAGE_ID_LENGTH });
    if (webhooks.has(webhookId)) throw invalid(`receivers.${index}`, 'lists a webhook twice');
    if (deliveries.has(deliveryId)) throw invalid(`deliveryIds.${index}`, 'repeats a delivery id');
    webhooks.add(webhookId);
    deliveries.add(deliveryId);
    return { deliveryId, webhookId };
  });
}

function publish({ data }: PublishMessage, state: MessageState): MessageEvent[] {
  if (state.exists) throw DomainError.alreadyExists(`Message ${state.messageId} already exists`, 'messageId');
  const messageId = requireText(data.messageId, 'messageId', { max: MAX_MESSAGE_ID_LENGTH });
  const tenantId = requireText(data.tenantId, 'tenantId', { max: MAX_MESSAGE_ID_LENGTH });
  const type = validateEventType(data.type, 'type');
  const payload = validatePayload(data.payload);
  const productId = optionalText(data.productId, 'productId', { max: MAX_PRODUCT_ID_LENGTH, trim: true });
  const cloud = validateCloud(data.cloud);
  const idempotencyKey = optionalText(data.idempotencyKey, 'idempotencyKey', { max: MAX_IDEMPOTENCY_KEY_LENGTH });
  const deliveries = validateDeliveries(data.receivers, data.deliveryIds);
  const publishedAt = isoTimestamp(data.now);
  return [
    {
      type: 'MessagePublished',
      data: { messageId, tenantId, type, payload, productId, cloud, idempotencyKey, publishedAt, deliveries },
    },
  ];
}

export function decideMessage(command: MessageCommand, state: MessageState): MessageEvent[] {
  switch (command.type) {
    case 'PublishMessage':
      return publish(command, state);
    default: {
      const _exhaustive: never = command.type;
      return _exhaustive;
    }
  }
}

export const messageDecider: Decider<MessageCommand, MessageEvent, MessageState> = {
  decide: decideMessage,
  evolve: evolveMessage,
  initialState: initialMessageState,
};
