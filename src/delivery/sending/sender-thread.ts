/**
 * The sender thread: runs an UndiciWebhookSender (keep-alive pool, SSRF guard
 * at connect time, OAuth2 token cache) on its own event loop, so that the
 * HTTP work of deliveries uses another core than the store, the projections
 * and the API. ThreadedWebhookSender starts it and talks to it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { perTurnBatch } from './per-turn-batch.js';
import type { FromSenderThread, SenderThreadOptions, ToSenderThread } from './sender-thread-messages.js';
import { UndiciWebhookSender } from './undici-webhook-sender.js';
import type { SendOutcome } from './webhook-sender.js';

const port = parentPort!;
const sender = new UndiciWebhookSender(workerData as SenderThreadOptions);

// Outcomes that settle in the same turn go back in one message.
const answerInTurn = perTurnBatch<[number, SendOutcome]>((outcomes) => port.postMessage({ kind: 'outcomes', outcomes } satisfies FromSenderThread));
const answer = (id: number, outcome: SendOutcome): void => answerInTurn([id, outcome]);

port.on('message', (batch: ToSenderThread[]) => {
  for (const message of batch) {
    switch (message.kind) {
      case 'send':
        // send() never throws: failures are outcomes.
        void sender.send(message.delivery).then((outcome) => answer(message.id, outcome));
        break;
      case 'forget':
        sender.forgetWebhook(message.webhookId);
        break;
      case 'close':
        void sender.close().finally(() => port.postMessage({ kind: 'closed' } satisfies FromSenderThread));
        break;
    }
  }
});
port.postMessage({ kind: 'ready' } satisfies FromSenderThread);
