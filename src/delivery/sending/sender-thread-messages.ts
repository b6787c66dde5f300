import type { UndiciWebhookSenderOptions } from './undici-webhook-sender.js';
import type { OutboundDelivery, SendOutcome } from './webhook-sender.js';

/** What the sender thread is started with (`workerData`). */
export type SenderThreadOptions = Omit<UndiciWebhookSenderOptions, 'now'>;

/** One instruction to the sender thread; a batch keeps the order they were given in. */
export type ToSenderThread =
  | { kind: 'send'; id: number; delivery: OutboundDelivery }
  | { kind: 'forget'; webhookId: string }
  | { kind: 'close' };

/** What the sender thread says: that it is ready, outcomes by request id, or that it has closed. */
export type FromSenderThread =
  | { kind: 'ready' }
  | { kind: 'outcomes'; outcomes: [id: number, outcome: SendOutcome][] }
  | { kind: 'closed' };
