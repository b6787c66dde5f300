import { randomBytes, randomUUID } from 'node:crypto';
import type { OutboundDelivery } from '../../../src/delivery/sending/webhook-sender.js';

export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** A delivery made now (receivers check the timestamp), with no auth and no custom headers unless given. */
export function outboundDelivery(url: string, overrides: Partial<OutboundDelivery> = {}): OutboundDelivery {
  const timestamp = new Date();
  return {
    webhookId: 'wh_test',
    url,
    messageId: `msg_${randomUUID()}`,
    timestamp,
    body: JSON.stringify({ type: 'order.created', timestamp: timestamp.toISOString(), data: { orderId: 'o-1', total: 42 } }),
    signingSecrets: [newSecret()],
    auth: { type: 'NONE' },
    headers: {},
    ...overrides,
  };
}
