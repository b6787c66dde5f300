import type { RecordedEvent } from '../../eventstore/event-store.js';

/**
 * The events that make delivery work, which the consumer group hands out:
 * a MessagePublished makes all of its message's deliveries due at once, a
 * DeliveryRedeliveryRequested makes one delivery due again. Matched as
 * event-type prefixes (the filter a KurrentDB group applies on the server),
 * so the names are checked exactly again in `handedOutDeliveries`.
 */
export const DELIVERY_WORK_EVENT_TYPES = ['MessagePublished', 'DeliveryRedeliveryRequested'] as const;

/** One delivery an event hands out, and the delivery-stream revision that event leaves it at (-1: not yet started). */
export interface HandedOutDelivery {
  deliveryId: string;
  revision: number;
}

/**
 * The deliveries an event of the group hands to whoever receives it; none
 * for any other event (or one that does not have the shape it should: the
 * deliveries it would name are then taken over once overdue).
 */
export function handedOutDeliveries(event: RecordedEvent): HandedOutDelivery[] {
  const data = event.data as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object') return [];
  switch (event.type) {
    case 'MessagePublished': {
      const deliveries = Array.isArray(data['deliveries']) ? (data['deliveries'] as unknown[]) : [];
      return deliveries.flatMap((delivery) => {
        const id = (delivery as Record<string, unknown> | null)?.['deliveryId'];
        return typeof id === 'string' ? [{ deliveryId: id, revision: -1 }] : [];
      });
    }
    case 'DeliveryRedeliveryRequested': {
      const id = data['deliveryId'];
      return typeof id === 'string' ? [{ deliveryId: id, revision: event.revision }] : [];
    }
    default:
      return [];
  }
}
