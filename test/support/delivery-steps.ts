import { createServer } from 'node:net';
import {
  CreateWebhookDocument,
  DeliveryDocument,
  WebhookDocument,
  type CreateWebhookInput,
  type DeliveryQuery,
  type WebhookState,
} from '../generated/graphql.js';
import { startReceiver, type ReceivedRequest, type ReceiverOptions, type WebhookReceiver } from './receivers/webhook-receiver.js';
import { dataOf, type TypedClient } from './typed-client.js';

/**
 * What a server needs to deliver to receivers on 127.0.0.1 in a test: private
 * targets allowed, and a retry schedule of milliseconds.
 */
export const LOCAL_DELIVERY_ENV = {
  HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
  HOOKGATE_RETRY_SCHEDULE: '0,100ms,200ms',
  HOOKGATE_DELIVERY_TIMEOUT_MS: '2000',
} as const;

/** Polls until `probe` answers something other than undefined or false. */
export async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Requests that are deliveries of published events, not the `webhook.test` sent on creation and by testWebhook. */
export const deliveriesIn = (requests: readonly ReceivedRequest[]) => requests.filter((r) => !r.body.includes('"type":"webhook.test"'));

/** Requests that are the `webhook.test` event. */
export const testsIn = (requests: readonly ReceivedRequest[]) => requests.filter((r) => r.body.includes('"type":"webhook.test"'));

/** Receivers started by a test file, closed together at its end. */
export function receiverPool() {
  const started: WebhookReceiver[] = [];
  return {
    async start(options: ReceiverOptions = {}): Promise<WebhookReceiver> {
      const receiver = await startReceiver(options);
      started.push(receiver);
      return receiver;
    },
    closeAll: () => Promise.all(started.map((receiver) => receiver.close())),
  };
}

export const webhookState = async (client: TypedClient, id: string): Promise<WebhookState> =>
  dataOf(await client(WebhookDocument, { id })).webhook.state;

export const waitForState = (client: TypedClient, id: string, state: WebhookState) =>
  until(async () => (await webhookState(client, id)) === state, `webhook ${id} to become ${state}`);

/** Creates a webhook on a receiver, hands the receiver its signing secret and waits for the automatic test to pass. */
export async function validWebhook(
  client: TypedClient,
  receiver: WebhookReceiver,
  input: Omit<CreateWebhookInput, 'url'> & { url?: string },
): Promise<{ id: string; signingSecret: string }> {
  const created = dataOf(await client(CreateWebhookDocument, { input: { url: receiver.url, ...input } })).createWebhook;
  receiver.setSecrets([created.signingSecret]);
  try {
    await waitForState(client, created.webhook.id, 'VALID');
  } catch (error) {
    const { webhook } = dataOf(await client(WebhookDocument, { id: created.webhook.id }));
    throw new Error(`${(error as Error).message}: it is ${webhook.state}, last test ${JSON.stringify(webhook.lastTest)}`);
  }
  return { id: created.webhook.id, signingSecret: created.signingSecret };
}

export type DeliveryView = DeliveryQuery['delivery'];

/** Waits for a delivery to succeed or fail for good. */
export const finalDelivery = (client: TypedClient, id: string): Promise<DeliveryView> =>
  until(async () => {
    const { delivery } = dataOf(await client(DeliveryDocument, { id }));
    return delivery.status !== 'PENDING' && delivery;
  }, `delivery ${id} to finish`);

/** A port on 127.0.0.1 nothing listens on: connections to it are refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
