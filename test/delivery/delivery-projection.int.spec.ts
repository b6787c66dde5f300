import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { deliveryProjection } from '../../projections/deliveries/delivery-projection.js';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import { ReadModelDatabase } from '../../projections/read-model-database.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';
import { eventually, startInProcessApp } from './support/in-process-app.js';
import { outcomes, ScriptedSender } from './support/scripted-sender.js';

const TABLES = ['messages', 'deliveries', 'delivery_attempts', 'webhook_delivery_health', 'webhook_delivery_hours'];

function dump(readModels: ReadModelDatabase): Record<string, unknown[]> {
  return Object.fromEntries(
    TABLES.map((table) => [table, readModels.db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()]),
  );
}

describe('the delivery projection', () => {
  it('rebuilt from the start of the log gives the same read model as the one built live, in batches or event by event', async () => {
    const sender = new ScriptedSender();
    const h = await startInProcessApp(sender, { HOOKGATE_RETRY_SCHEDULE: '0,30ms' });
    try {
      const urls = ['http://127.0.0.1:9/ok', 'http://127.0.0.1:9/fails', 'http://127.0.0.1:9/gone'];
      const ids: string[] = [];
      for (const url of urls) {
        const { webhook } = await h.app.services.webhooks.create(h.meta, { url, filters: { eventTypes: ['*'] } });
        ids.push(webhook.id);
      }
      await eventually(() => ids.every((id) => h.app.services.webhookQueries.webhook(h.meta.tenantId, id)?.state === 'VALID'));
      sender.reply(urls[1]!, () => outcomes.status(500));
      sender.reply(urls[2]!, (_d, index) => (index === 0 ? outcomes.ok() : outcomes.status(410)));
      const published = [];
      for (let i = 0; i < 5; i++) {
        published.push(await h.app.services.publisher.publish(h.meta, { type: `thing.n${i}`, payload: { i }, idempotencyKey: `k${i}` }));
      }
      const all = published.flatMap((p) => p.deliveries.map((d) => d.id));
      const final = () => all.every((id) => h.app.services.deliveryQueries.delivery(h.meta.tenantId, id)!.status !== 'PENDING');
      await eventually(final, 5_000, 'every delivery to finish');
      sender.reply(urls[1]!, () => outcomes.ok());
      await h.app.services.redelivery.redeliverFailed(h.meta, ids[1]!, new Date(0));
      await eventually(final, 5_000, 'the redeliveries to finish');
    } finally {
      await h.app.stop();
    }

    const live = new ReadModelDatabase(join(h.dataDir, 'readmodels.db'));
    const store = new SqliteEventStore({ filename: join(h.dataDir, 'events.db') });
    const rebuilt = new ReadModelDatabase(':memory:');
    const runner = new ProjectionRunner(store, rebuilt, deliveryProjection, pino({ level: 'silent' }));
    // Without applyBatch the runner applies each event alone: the batch's folding of an attempt and its success must not show.
    const eventByEvent = new ReadModelDatabase(':memory:');
    const singleRunner = new ProjectionRunner(store, eventByEvent, { ...deliveryProjection, applyBatch: undefined }, pino({ level: 'silent' }));
    try {
      runner.start();
      singleRunner.start();
      await runner.waitForPosition(await store.headPosition());
      await singleRunner.waitForPosition(await store.headPosition());
      const before = dump(live);
      // 3 for the first message, then 2 each once its 410 has deactivated the third webhook.
      expect(before['deliveries']!.length).toBeGreaterThanOrEqual(11);
      expect(before['delivery_attempts']!.length).toBeGreaterThan(15);
      expect(dump(rebuilt)).toEqual(before);
      expect(dump(eventByEvent)).toEqual(before);
    } finally {
      await runner.stop();
      await singleRunner.stop();
      await eventByEvent.close();
      await live.close();
      await rebuilt.close();
      await store.close();
      rmSync(h.dataDir, { recursive: true, force: true });
    }
  });
});
