import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryAssignment } from '../../../src/delivery/worker/delivery-assignment.js';
import { deliveryStream } from '../../../src/streams/stream-names.js';
import type { DueDelivery } from '../../../projections/deliveries/due-deliveries.js';
import { eventually, startInProcessApp, type InProcessApp } from '../support/in-process-app.js';
import { outcomes, ScriptedSender } from '../support/scripted-sender.js';

let harness: InProcessApp | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** An assignment that answers with `rule` and remembers every row it was asked about. */
function assignment(rule: (row: DueDelivery) => boolean): DeliveryAssignment & { asked: DueDelivery[] } {
  const asked: DueDelivery[] = [];
  return {
    asked,
    sharedWithOthers: true,
    mayAttempt: (row) => {
      asked.push(row);
      return rule(row);
    },
    onChange: () => () => {},
    start: async () => {},
    stop: async () => {},
  };
}

async function validWebhook(h: InProcessApp, url: string, eventTypes: string[]): Promise<string> {
  const { webhook } = await h.app.services.webhooks.create(h.meta, { url, filters: { eventTypes } });
  await eventually(() => h.app.services.webhookQueries.webhook(h.meta.tenantId, webhook.id)?.state === 'VALID', 5_000, 'VALID');
  return webhook.id;
}

describe('the delivery worker with a scale-out assignment (in-process app, scripted sender)', () => {
  it('looks past due deliveries that are other instances’ to reach its own', async () => {
    const sender = new ScriptedSender();
    let othersWebhook = '';
    const others = assignment((row) => row.webhookId !== othersWebhook);
    // Two requests at once: the worker's first look takes in only 20 due rows.
    harness = await startInProcessApp(sender, { HOOKGATE_DELIVERY_CONCURRENCY: '2' }, { deliveryAssignment: others });
    const h = harness;
    othersWebhook = await validWebhook(h, 'http://127.0.0.1:9/others', ['other.*']);
    await validWebhook(h, 'http://127.0.0.1:9/mine', ['order.*']);

    for (let i = 0; i < 60; i++) await h.app.services.publisher.publish(h.meta, { type: 'other.event', payload: { i } });
    const { deliveries } = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: {} });
    await eventually(() => h.app.services.deliveryQueries.delivery(h.meta.tenantId, deliveries[0]!.id)?.status === 'SUCCEEDED', 5_000, 'own delivery');
    expect(sender.deliveriesTo('http://127.0.0.1:9/others')).toEqual([]);
  });

  it('records which instance made an attempt; the retry shows it, a redelivery clears it', async () => {
    const sender = new ScriptedSender();
    const everything = assignment(() => true);
    harness = await startInProcessApp(
      sender,
      { HOOKGATE_INSTANCE_ID: 'gw-test', HOOKGATE_RETRY_SCHEDULE: '0,100ms' },
      { deliveryAssignment: everything },
    );
    const h = harness;
    const url = 'http://127.0.0.1:9/retry';
    await validWebhook(h, url, ['order.*']);
    sender.reply(url, (_delivery, index) => (index === 1 ? outcomes.status(500) : outcomes.ok()));
    const { deliveries } = await h.app.services.publisher.publish(h.meta, { type: 'order.created', payload: {} });
    const id = deliveries[0]!.id;
    const status = () => h.app.services.deliveryQueries.delivery(h.meta.tenantId, id)?.status;
    await eventually(() => status() === 'SUCCEEDED', 5_000, 'succeeded after a retry');

    const events = (await h.store.readStream(deliveryStream(id))).events;
    expect(events.filter((e) => e.type === 'DeliveryAttempted').map((e) => e.metadata.instanceId)).toEqual(['gw-test', 'gw-test']);
    const askedFor = () => everything.asked.filter((row) => row.id === id).map((row) => ({ version: row.version, attemptedBy: row.attemptedBy }));
    expect(askedFor()).toEqual([
      { version: -1, attemptedBy: null },
      { version: 0, attemptedBy: 'gw-test' },
    ]);

    await h.app.services.redelivery.redeliver(h.meta, id);
    await eventually(() => askedFor().length === 3, 5_000, 'the redelivery picked');
    // The stream had four events (attempt, attempt, succeeded, redelivery requested).
    expect(askedFor()[2]).toEqual({ version: 3, attemptedBy: null });
  });
});
