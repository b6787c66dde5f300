import type { Event } from '../decider.js';
import type { JsonValue } from '../json.js';
import type { Cloud } from '../webhook/webhook-events.js';

/** One delivery a message fans out to: the message to one webhook. */
export type MessageDelivery = { deliveryId: string; webhookId: string };

export type Message = {
  exists: true;
  messageId: string;
  tenantId: string;
  type: string;
  payload: JsonValue;
  productId: string | null;
  cloud: Cloud | null;
  idempotencyKey: string | null;
  publishedAt: string;
  deliveries: MessageDelivery[];
};

export type MessageState = { exists: false } | Message;

/** What an app published and the deliveries routing created for it, in one event. */
export type MessagePublished = Event<
  'MessagePublished',
  {
    messageId: string;
    tenantId: string;
    type: string;
    payload: JsonValue;
    productId: string | null;
    cloud: Cloud | null;
    idempotencyKey: string | null;
    publishedAt: string;
    deliveries: MessageDelivery[];
  }
>;

export type MessageEvent = MessagePublished;
export type MessageEventType = MessageEvent['type'];

export const MESSAGE_EVENT_TYPES: readonly MessageEventType[] = ['MessagePublished'];

export const initialMessageState = (): MessageState => ({ exists: false });

export function evolveMessage(state: MessageState, event: MessageEvent): MessageState {
  switch (event.type) {
    case 'MessagePublished':
      if (state.exists) throw new Error(`Message ${state.messageId} was published twice`);
      return { exists: true, ...event.data };
    default: {
      const _exhaustive: never = event.type;
      return _exhaustive;
    }
  }
}
