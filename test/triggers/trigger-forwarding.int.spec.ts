import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ReadModelDatabase } from '../../projections/read-model-database.js';
import { triggerProjection } from '../../projections/triggers/trigger-projection.js';
import { TriggerQueries } from '../../projections/triggers/trigger-queries.js';
import { TriggerForwarding, type ForwardedCall, type TriggerForwarder } from '../../src/application/triggers/trigger-forwarding.js';
import { decideTrigger } from '../../src/domain/trigger/trigger-commands.js';
import { evolveTrigger, initialTriggerState } from '../../src/domain/trigger/trigger-events.js';
import type { JsonValue, RecordedEvent } from '../../src/eventstore/event-store.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';
import { triggerStream } from '../../src/streams/stream-names.js';
import { sealed } from '../domain/webhook-fixtures.js';

/** Stands in for the delivery work's publishEvent, which does not exist on this branch yet. */
class RecordingForwarder implements TriggerForwarder {
  readonly published: { tenantId: string; eventType: string; payload: ForwardedCall; idempotencyKey: string }[] = [];
  async forward(request: RecordingForwarder['published'][number]) {
    this.published.push(request);
    return { messageId: `msg-${this.published.length}` };
  }
}

describe('TriggerForwarding (the seam to publishing)', () => {
  const store = new SqliteEventStore({ filename: ':memory:' });
  const readModels = new ReadModelDatabase(':memory:');
  afterAll(async () => {
    readModels.close();
    await store.close();
  });

  async function recordCall(triggerId: string, forwardAsEventType: string | null): Promise<RecordedEvent> {
    let state = initialTriggerState();
    const created = decideTrigger(
      { type: 'CreateTrigger', data: { triggerId, tenantId: 'tenant-1', name: 't', forwardAsEventType, secret: sealed('s'), now: new Date() } },
      state,
    );
    for (const e of created) state = evolveTrigger(state, e);
    const fired = decideTrigger(
      {
        type: 'FireTrigger',
        data: { runId: `run-${triggerId}`, contentType: 'application/json', body: { encoding: 'json', value: { a: 1 } }, bodyBytes: 7, headers: { 'x-a': '1' }, now: new Date() },
      },
      state,
    );
    await store.appendToStream(
      triggerStream(triggerId),
      [...created, ...fired].map((e) => ({ id: randomUUID(), type: e.type, data: e.data as JsonValue, metadata: { correlationId: 'corr-9' } })),
      { expectedRevision: 'no_stream' },
    );
    const { events } = await store.readStream(triggerStream(triggerId));
    return events[1]!;
  }

  it('publishes a call of a forwarding trigger once per run key, and links the run to the message', async () => {
    const forwarder = new RecordingForwarder();
    const forwarding = new TriggerForwarding({ store, forwarder, clock: { now: () => new Date() }, ids: { newId: randomUUID } });
    const call = await recordCall('tr-fwd', 'order.received');

    expect(await forwarding.forwardRecorded(call)).toBe('msg-1');
    expect(forwarder.published).toEqual([
      {
        tenantId: 'tenant-1',
        eventType: 'order.received',
        idempotencyKey: 'trigger-run:run-tr-fwd',
        payload: expect.objectContaining({ triggerId: 'tr-fwd', runId: 'run-tr-fwd', body: { a: 1 }, headers: { 'x-a': '1' } }),
      },
    ]);
    const { events } = await store.readStream(triggerStream('tr-fwd'));
    expect(events[2]).toMatchObject({
      type: 'TriggerRunForwarded',
      data: { runId: 'run-tr-fwd', messageId: 'msg-1' },
      metadata: { tenantId: 'tenant-1', correlationId: 'corr-9', causationId: call.id },
    });

    triggerProjection.setup(readModels.db);
    for await (const event of store.readAll({ filter: triggerProjection.filter })) triggerProjection.apply(readModels.db, event);
    const runs = new TriggerQueries(readModels.db).runs('tenant-1', 'tr-fwd', 10);
    expect(runs.runs[0]).toMatchObject({ runId: 'run-tr-fwd', forwardedMessageId: 'msg-1', forwardAsEventType: 'order.received' });
  });

  it('leaves calls of a trigger without forwardAsEventType alone', async () => {
    const forwarder = new RecordingForwarder();
    const forwarding = new TriggerForwarding({ store, forwarder, clock: { now: () => new Date() }, ids: { newId: randomUUID } });
    expect(await forwarding.forwardRecorded(await recordCall('tr-plain', null))).toBeUndefined();
    expect(forwarder.published).toEqual([]);
    expect((await store.readStream(triggerStream('tr-plain'))).events).toHaveLength(2);
  });
});
