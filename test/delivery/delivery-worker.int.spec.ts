import { afterEach, describe, expect, it } from 'vitest';
import { deliveryStream } from '../../src/streams/stream-names.js';
import { eventually, startInProcessApp, type InProcessApp } from './support/in-process-app.js';
import { outcomes, ScriptedSender } from './support/scripted-sender.js';

let harness: InProcessApp | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function validWebhook(h: InProcessApp, url: string, filters: Record<string, unknown> = { eventTypes: ['order.*'] }) {
  const { webhook, signingSecret } = await h.app.services.webhooks.create(h.meta, { url, filters });
  // The auto-tester sends webhook.test through the sender; the scripted default answers 200.
  await eventually(() => h.app.services.webhookQueries.webhook(h.meta.tenantId, webhook.id)?.state === 'VALID', 5_000, 'VALID');
  return { id: webhook.id, signingSecret };
}

const delivery = (h: InProcessApp, id: string) => h.app.services.deliveryQueries.delivery(h.meta.tenantId, id)!;
const settled = (h: InProcessApp, id: string, status = 'SUCCEEDED', timeoutMs = 5_000) =>
  eventually(() => (delivery(h, id).status === status ? delivery(h, id) : undefined), timeoutMs, `delivery ${id} ${status}`);

describe('the delivery worker (in-process app, scripted sender)', () => {
  it('tests a new webhook automatically, then delivers a published event signed, with the message id as webhook-id', async () => {
    const sender = new ScriptedSender();
    harness = await startInProcessApp(sender);
    const h = harness;
    const { id: webhookId, signingSecret } = await validWebhook(h, 'http://127.0.0.1:9/a');
    expect(sender.testsTo('http://127.0.0.1:9/a')).toHaveLength(1);
    const test = sender.testsTo('http://127.0.0.1:9/a')[0]!.delivery;
    expect(JSON.parse(test.body)).toMatchObject({ type: 'webhook.test', data: { webhookId } });

    const published = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: { orderId: 7 } });
    expect(published.replayed).toBe(false);
    expect(published.deliveries).toHaveLength(1);
    const [created] = published.deliveries;
    expect(created).toMatchObject({ webhookId, messageId: published.message.id, status: expect.any(String) });

    const done = await settled(h, created!.id);
    expect(done).toMatchObject({ attempts: 1, lastStatusCode: 200, nextAttemptAt: null });
    const [sent] = sender.deliveriesTo('http://127.0.0.1:9/a');
    expect(sent!.delivery.messageId).toBe(published.message.id);
    expect(sent!.delivery.signingSecrets).toEqual([signingSecret]);
    expect(JSON.parse(sent!.delivery.body)).toEqual({ type: 'order.created', timestamp: published.message.publishedAt, data: { orderId: 7 } });
    expect(h.app.services.deliveryQueries.attempts(created!.id)).toMatchObject([{ attempt: 1, statusCode: 200, errorKind: null }]);

    const events = (await h.store.readStream(deliveryStream(created!.id))).events;
    expect(events.map((e) => e.type)).toEqual(['DeliveryAttempted', 'DeliverySucceeded']);
    expect(events[0]!.metadata).toMatchObject({ tenantId: h.meta.tenantId, actor: 'system:delivery', correlationId: published.message.id });
  });
});
