import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadedWebhookSender } from '../../../src/delivery/sending/threaded-webhook-sender.js';
import { startReceiver, type WebhookReceiver } from '../../support/receivers/webhook-receiver.js';
import { runScript, sourceModule } from '../../support/script-process.js';
import { newSecret, outboundDelivery } from './sender-fixtures.js';

describe('ThreadedWebhookSender: the sender in a thread of its own', () => {
  let receiver: WebhookReceiver;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('sends signed requests through the thread and hands back their outcomes', async () => {
    const sender = new ThreadedWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: true }, logger);
    try {
      const secret = newSecret();
      receiver.setSecrets([secret]);
      const deliveries = Array.from({ length: 20 }, () => outboundDelivery(receiver.url, { signingSecrets: [secret] }));
      const outcomes = await Promise.all(deliveries.map((delivery) => sender.send(delivery)));
      expect(outcomes.every((outcome) => outcome.ok && outcome.statusCode === 200 && outcome.responseExcerpt === 'ok')).toBe(true);
      expect(receiver.requests.filter((request) => request.verified).map((request) => request.webhookId).sort()).toEqual(
        deliveries.map((delivery) => delivery.messageId).sort(),
      );
    } finally {
      await sender.close();
      receiver.clear();
    }
  });

  it('keeps the SSRF guard at connect time in the thread', async () => {
    const sender = new ThreadedWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: false }, logger);
    try {
      const outcome = await sender.send(outboundDelivery(receiver.url));
      expect(outcome).toMatchObject({ ok: false, statusCode: null, failure: { kind: 'UNSAFE_TARGET' } });
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await sender.close();
    }
  });

  it('does not keep the process alive while nothing is being sent', async () => {
    const ended = await runScript(
      `import { ThreadedWebhookSender } from ${sourceModule('src/delivery/sending/threaded-webhook-sender.ts')};
      const quiet = { error() {}, warn() {}, info() {}, debug() {} };
      const sender = new ThreadedWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: true }, quiet as never);
      await sender.ready;
      console.log('ready');`,
    );
    expect(ended).toEqual({ code: 0, output: 'ready' });
  });
});
