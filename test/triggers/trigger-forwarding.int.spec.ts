import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import { ReadModelDatabase } from '../../projections/read-model-database.js';
import { triggerProjection } from '../../projections/triggers/trigger-projection.js';
import { TriggerQueries } from '../../projections/triggers/trigger-queries.js';
import { TriggerForwardingReactor } from '../../src/application/triggers/trigger-forwarding-reactor.js';
import {
  forwardedEventId,
  TriggerForwarding,
  type TriggerForwarder,
} from '../../src/application/triggers/trigger-forwarding.js';
import { decideTrigger } from '../../src/domain/trigger/trigger-commands.js';
import { evolveTrigger, initialTriggerState } from '../../src/domain/trigger/trigger-events.js';
import type { JsonValue, RecordedEvent } from '../../src/eventstore/event-store.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';
import { triggerStream } from '../../src/streams/stream-names.js';
import { sealed } from '../domain/webhook-fixtures.js';

type Forwarded = Parameters<TriggerForwarder['forward']>[0];

/** Stands in for publishEvent: one message per idempotency key, as publishing does. */
class RecordingForwarder implements TriggerForwarder {
  readonly published: Forwarded[] = [];
  private readonly byKey = new Map<string, string>();
  /** Fails this many calls before it starts to publish. */
  failuresLeft = 0;
  async forward(request: Forwarded) {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('publishing is down');
    }
    let messageId = this.byKey.get(request.idempotencyKey);
    if (messageId === undefined) {
      this.published.push(request);
      messageId = `msg-${this.published.length}`;
      this.byKey.set(request.idempotencyKey, messageId);
    }
    return { messageId };
  }
}

const clock = { now: () => new Date() };

describe('TriggerForwarding (a trigger call published to the tenant’s webhooks)', () => {
  const store = new SqliteEventStore({ filename: ':memory:' });
  const readModels = new ReadModelDatabase(':memory:');
  afterAll(async () => {
    await readModels.close();
    await store.close();
  });

  async function createTrigger(triggerId: string, forwardAsEventType: string | null): Promise<void> {
    const created = decideTrigger(
      { type: 'CreateTrigger', data: { triggerId, tenantId: 'tenant-1', name: 't', forwardAsEventType, secret: sealed('s'), now: new Date() } },
      initialTriggerState(),
    );
    await store.appendToStream(
      triggerStream(triggerId),
      created.map((e) => ({ id: randomUUID(), type: e.type, data: e.data as JsonValue, metadata: { tenantId: 'tenant-1' } })),
      { expectedRevision: 'no_stream' },
    );
  }

  async function recordCall(triggerId: string, runId = `run-${triggerId}`): Promise<RecordedEvent> {
    const { events: stored } = await store.readStream(triggerStream(triggerId), { maxCount: 1 });
    const state = evolveTrigger(initialTriggerState(), { type: stored[0]!.type, data: stored[0]!.data } as never);
    const fired = decideTrigger(
      {
        type: 'FireTrigger',
        data: { runId, contentType: 'application/json', body: { encoding: 'json', value: { a: 1 } }, bodyBytes: 7, headers: { 'x-a': '1' }, now: new Date() },
      },
      state,
    );
    const { position } = await store.appendToStream(
      triggerStream(triggerId),
      fired.map((e) => ({ id: randomUUID(), type: e.type, data: e.data as JsonValue, metadata: { tenantId: 'tenant-1', correlationId: 'corr-9' } })),
      { expectedRevision: 'stream_exists' },
    );
    const { events } = await store.readStream(triggerStream(triggerId), { direction: 'backwards', maxCount: 1 });
    expect(events[0]!.position).toBe(position);
    return events[0]!;
  }

  it('publishes a call of a forwarding trigger once per run key, and links the run to the message', async () => {
    const forwarder = new RecordingForwarder();
    const forwarding = new TriggerForwarding({ store, forwarder, clock });
    await createTrigger('tr-fwd', 'order.received');
    const call = await recordCall('tr-fwd');

    expect(await forwarding.forwardRecorded(call)).toBe('msg-1');
    expect(forwarder.published).toEqual([
      {
        tenantId: 'tenant-1',
        eventType: 'order.received',
        idempotencyKey: 'trigger-run:run-tr-fwd',
        correlationId: 'corr-9',
        payload: expect.objectContaining({ triggerId: 'tr-fwd', runId: 'run-tr-fwd', body: { a: 1 }, headers: { 'x-a': '1' } }),
      },
    ]);
    const { events } = await store.readStream(triggerStream('tr-fwd'));
    expect(events[2]).toMatchObject({
      id: forwardedEventId('run-tr-fwd'),
      type: 'TriggerRunForwarded',
      data: { runId: 'run-tr-fwd', messageId: 'msg-1' },
      metadata: { tenantId: 'tenant-1', correlationId: 'corr-9', causationId: call.id },
    });

    triggerProjection.setup(readModels.db);
    for await (const event of store.readAll({ filter: triggerProjection.filter })) triggerProjection.apply(readModels.db, event);
    const runs = new TriggerQueries(readModels.db).runs('tenant-1', 'tr-fwd', 10);
    expect(runs.runs[0]).toMatchObject({ runId: 'run-tr-fwd', forwardedMessageId: 'msg-1', forwardAsEventType: 'order.received' });
  });

  it('forwards a run again (as after a crash) without a second message or a second TriggerRunForwarded', async () => {
    const forwarder = new RecordingForwarder();
    const forwarding = new TriggerForwarding({ store, forwarder, clock });
    await createTrigger('tr-twice', 'order.received');
    const call = await recordCall('tr-twice');
    expect(await forwarding.forwardRecorded(call)).toBe('msg-1');
    expect(await forwarding.forwardRun({ triggerId: 'tr-twice', runId: 'run-tr-twice', position: call.position })).toBe('msg-1');
    expect(forwarder.published).toHaveLength(1);
    const { events } = await store.readStream(triggerStream('tr-twice'));
    expect(events.map((e) => e.type)).toEqual(['TriggerCreated', 'TriggerFired', 'TriggerRunForwarded']);
  });

  it('refuses to forward a run that is not at the position given', async () => {
    const forwarding = new TriggerForwarding({ store, forwarder: new RecordingForwarder(), clock });
    await createTrigger('tr-where', 'order.received');
    const call = await recordCall('tr-where');
    await expect(forwarding.forwardRun({ triggerId: 'tr-where', runId: 'another-run', position: call.position })).rejects.toThrow(
      /not at log position/,
    );
  });

  it('leaves calls of a trigger without forwardAsEventType alone', async () => {
    const forwarder = new RecordingForwarder();
    const forwarding = new TriggerForwarding({ store, forwarder, clock });
    await createTrigger('tr-plain', null);
    expect(await forwarding.forwardRecorded(await recordCall('tr-plain'))).toBeUndefined();
    expect(forwarder.published).toEqual([]);
    expect((await store.readStream(triggerStream('tr-plain'))).events).toHaveLength(2);
  });
});

describe('TriggerForwardingReactor (follows the trigger read model)', () => {
  const logger = pino({ level: 'silent' });

  async function fixture() {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const readModels = new ReadModelDatabase(':memory:');
    const runner = new ProjectionRunner(store, readModels, triggerProjection, logger);
    runner.start();
    const queries = new TriggerQueries(readModels.db);
    const forwarder = new RecordingForwarder();
    const forwarding = new TriggerForwarding({ store, forwarder, clock });
    const reactor = (retryDelayMs = 5_000) =>
      new TriggerForwardingReactor({
        awaitingForward: (limit) => queries.awaitingForward(limit),
        forward: (run) => forwarding.forwardRun(run),
        onRunsChanged: (listener) => runner.onAdvance(listener),
        logger,
        retryDelayMs,
      });
    const fire = async (triggerId: string, forwardAsEventType: string | null, calls: number) => {
      let state = initialTriggerState();
      const created = decideTrigger(
        { type: 'CreateTrigger', data: { triggerId, tenantId: 't1', name: 'n', forwardAsEventType, secret: sealed('s'), now: new Date() } },
        state,
      );
      for (const e of created) state = evolveTrigger(state, e);
      const events = [...created];
      for (let i = 0; i < calls; i++) {
        events.push(
          ...decideTrigger(
            { type: 'FireTrigger', data: { runId: `${triggerId}-${i}`, contentType: 'text/plain', body: { encoding: 'text', value: `call ${i}` }, bodyBytes: 6, headers: {}, now: new Date() } },
            state,
          ),
        );
      }
      const { position } = await store.appendToStream(
        triggerStream(triggerId),
        events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data as JsonValue, metadata: { tenantId: 't1' } })),
      );
      return position;
    };
    const runsOf = (triggerId: string) => queries.runs('t1', triggerId, 100).runs;
    const until = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 5_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const close = async () => {
      await runner.stop();
      await readModels.close();
      await store.close();
    };
    return { store, runner, forwarder, reactor, fire, runsOf, until, close };
  }

  it('forwards calls accepted before and after it starts, each once, and only those of forwarding triggers', async () => {
    const f = await fixture();
    try {
      await f.fire('early', 'order.received', 3);
      const reactor = f.reactor();
      reactor.start();
      await f.fire('plain', null, 2);
      await f.fire('late', 'order.shipped', 20);
      const forwarding = () => [...f.runsOf('early'), ...f.runsOf('late')];
      await f.until(() => forwarding().length === 23 && forwarding().every((run) => run.forwardedMessageId !== null), 'every run forwarded');
      await reactor.stop();
      expect(f.forwarder.published).toHaveLength(23);
      expect(new Set(f.forwarder.published.map((p) => p.idempotencyKey)).size).toBe(23);
      expect(f.runsOf('plain').map((run) => run.forwardedMessageId)).toEqual([null, null]);
      const forwardedEvents = (await f.store.readStream(triggerStream('late'))).events.filter((e) => e.type === 'TriggerRunForwarded');
      expect(forwardedEvents).toHaveLength(20);
    } finally {
      await f.close();
    }
  });

  it('tries a failed forward again later, and a new reactor (a restart) picks up what was left', async () => {
    const f = await fixture();
    try {
      f.forwarder.failuresLeft = 1;
      const first = f.reactor(50);
      first.start();
      await f.fire('flaky', 'order.received', 1);
      await f.until(() => f.runsOf('flaky')[0]?.forwardedMessageId === 'msg-1', 'the retried forward');
      await first.stop();

      const position = await f.fire('after-restart', 'order.received', 2);
      await f.runner.waitForPosition(position);
      expect(f.runsOf('after-restart').map((run) => run.forwardedMessageId)).toEqual([null, null]);
      const second = f.reactor();
      second.start();
      await f.until(() => f.runsOf('after-restart').every((run) => run.forwardedMessageId !== null), 'forwarding after the restart');
      await second.stop();
      expect(f.forwarder.published.map((p) => p.payload.runId).sort()).toEqual(['after-restart-0', 'after-restart-1', 'flaky-0']);
    } finally {
      await f.close();
    }
  });
});

