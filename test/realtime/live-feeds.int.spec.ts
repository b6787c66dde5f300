import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, JsonValue, RecordedEvent } from '../../src/eventstore/event-store.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';
import { EventHub } from '../../src/realtime/event-hub.js';
import { LiveFeeds } from '../../src/realtime/live-feeds.js';
import type { SubscriberTooSlow } from '../../src/realtime/subscriber.js';
import { webhookStream } from '../../src/streams/stream-names.js';
import { webhookCreated, webhookDeactivated, webhookTested } from '../domain/webhook-fixtures.js';

/**
 * The live feeds on the real embedded store and hub, with the interleaving of
 * reads and appends under the test's control: what the end-to-end tests can
 * only hope to hit by timing is forced here.
 */
describe('live feeds (embedded store, real hub)', () => {
  let store: EventStore;
  let hub: EventHub;

  beforeEach(async () => {
    store = new SqliteEventStore({ filename: ':memory:' });
    await store.appendToStream('tenant-a', [event('a', 'TenantCreated')]);
    hub = new EventHub(store, pino({ level: 'silent' }));
    await hub.start();
  });
  afterEach(async () => {
    await hub.stop();
    await store.close();
  });

  function event(tenantId: string, type: string, data: JsonValue = {}) {
    return { id: randomUUID(), type, data, metadata: { tenantId, actor: 'key:k1', correlationId: 'c1' } };
  }

  let counter = 0;
  /** Appends one event of the tenant to a stream of its own; resolves with its position. */
  async function append(tenantId: string): Promise<number> {
    const { position } = await store.appendToStream(`thing-${tenantId}-${counter++}`, [event(tenantId, 'ThingHappened', { n: counter })]);
    return position;
  }

  /** Resolves once the hub has dispatched everything up to the store's head. */
  async function hubCaughtUp(): Promise<void> {
    const head = await store.headPosition();
    while (hub.position < head) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  async function tenantPositions(tenantId: string, after: number): Promise<number[]> {
    const positions: number[] = [];
    for await (const recorded of store.readAll({ afterPosition: after })) {
      if (recorded.metadata.tenantId === tenantId) positions.push(recorded.position);
    }
    return positions;
  }

  const neverTooSlow = () => {
    throw new Error('a resuming subscriber was cut off');
  };

  it('auditLog(after): events appended while the log is read come once, in order, at the switch-over', async () => {
    for (let i = 0; i < 20; i++) await append(i % 3 === 0 ? 'b' : 'a');
    const resumeAfter = (await tenantPositions('a', 0))[5]!;
    const feeds = new LiveFeeds(hub, store, 1_000);
    const log = feeds.auditLog({ tenantId: 'a', after: resumeAfter, onTooSlow: neverTooSlow });

    const received: number[] = [];
    // Every pull while reading the log appends more (both tenants), so the log read and the live queue overlap.
    for (let pulls = 0; pulls < 30; pulls++) {
      const next = await log.next();
      received.push(next.value!.position);
      await append('a');
      await append('b');
    }
    const expected = await tenantPositions('a', resumeAfter);
    while (received.length < expected.length) received.push((await log.next()).value!.position);
    expect(received).toEqual(expected);
    expect(expected.length).toBeGreaterThan(30);

    // Next it finds the log read to the end and switches to its live queue, which holds every event appended
    // since it started (all sent already): the first one it hands out is the next new event.
    const afterSwitch = log.next();
    await hubCaughtUp();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const fresh = await append('a');
    expect((await afterSwitch).value!.position).toBe(fresh);
    await log.return!();
  });

  it('auditLog(after): a live queue that overflows while the log is still read is dropped and the log read again', async () => {
    for (let i = 0; i < 10; i++) await append('a');
    const feeds = new LiveFeeds(hub, store, 3);
    const log = feeds.auditLog({ tenantId: 'a', after: 0, onTooSlow: neverTooSlow });

    const received: number[] = [];
    for (let pulls = 0; pulls < 15; pulls++) {
      received.push((await log.next()).value!.position);
      // Far more than the capacity of 3 between two pulls.
      for (let i = 0; i < 5; i++) await append('a');
      await hubCaughtUp();
    }
    const expected = await tenantPositions('a', 0);
    while (received.length < expected.length) received.push((await log.next()).value!.position);
    expect(received).toEqual(expected);

    // Its overflowed live queue is not used: it reads the log again from where it was, then goes live.
    const afterSwitch = log.next();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const fresh = await append('a');
    expect((await afterSwitch).value!.position).toBe(fresh);
    await log.return!();
  });

  it('a live subscriber that falls more than its capacity behind is cut off; the others go on', async () => {
    const feeds = new LiveFeeds(hub, store, 3);
    const tooSlow: SubscriberTooSlow[] = [];
    const slow = feeds.auditLog({ tenantId: 'a', onTooSlow: (error) => tooSlow.push(error) });
    const fast = feeds.auditLog({ tenantId: 'a', onTooSlow: neverTooSlow });

    const fastReceived: number[] = [];
    for (let i = 0; i < 10; i++) {
      const position = await append('a');
      await hubCaughtUp();
      fastReceived.push((await fast.next()).value!.position);
      expect(fastReceived.at(-1)).toBe(position);
    }
    expect(tooSlow).toHaveLength(1);
    expect(tooSlow[0]!.message).toBe('subscriber too slow: more than 3 messages behind');
    // It kept nothing: it ends at once instead of handing out a stream with a hole in it.
    await expect(slow.next()).resolves.toMatchObject({ done: true });
    await fast.return!();
  });

  it('return() ends a subscription waiting for its next event at once', async () => {
    const feeds = new LiveFeeds(hub, store, 10);
    for (const subscription of [
      feeds.auditLog({ tenantId: 'a', onTooSlow: neverTooSlow }),
      feeds.auditLog({ tenantId: 'a', after: 0, onTooSlow: neverTooSlow }),
      feeds.webhookChanged({ tenantId: 'a', onTooSlow: neverTooSlow }),
    ]) {
      // The resuming one first hands out the tenant's history (one event); then it waits like the others.
      let pending = subscription.next();
      const first = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('waiting'), 20))]);
      if (first !== 'waiting') pending = subscription.next();
      await subscription.return!();
      await expect(pending).resolves.toMatchObject({ done: true });
    }
  });

  it('webhookChanged: the state each event left, even for a webhook whose earlier events it never saw', async () => {
    const id = 'wh-live-1';
    const stream = webhookStream(id);
    const meta = { tenantId: 'tenant-1', actor: 'key:k1', correlationId: 'c1' };
    const created = webhookCreated({ webhookId: id });
    await store.appendToStream(stream, [{ id: randomUUID(), type: created.type, data: created.data as unknown as JsonValue, metadata: meta }]);
    const tested = webhookTested(true);
    await store.appendToStream(stream, [{ id: randomUUID(), type: tested.type, data: tested.data as unknown as JsonValue, metadata: meta }]);
    await hubCaughtUp();

    const feeds = new LiveFeeds(hub, store, 10);
    const changes = feeds.webhookChanged({ tenantId: 'tenant-1', webhookId: id, onTooSlow: neverTooSlow });
    const others = feeds.webhookChanged({ tenantId: 'tenant-2', onTooSlow: neverTooSlow });
    const deactivated = webhookDeactivated(3);
    await store.appendToStream(stream, [{ id: randomUUID(), type: deactivated.type, data: deactivated.data as unknown as JsonValue, metadata: meta }]);

    const change = (await changes.next()).value!;
    expect(change.webhook).toMatchObject({ id, state: 'DEACTIVATED', version: 2, lastTest: { ok: true } });
    expect(change.event).toMatchObject({ type: 'WebhookDeactivated', version: 2, actor: 'key:k1', correlationId: 'c1' });
    // Another tenant's subscriber saw nothing.
    const nothing = await Promise.race([others.next(), new Promise((resolve) => setTimeout(() => resolve('nothing'), 50))]);
    expect(nothing).toBe('nothing');
    await changes.return!();
    await others.return!();
  });

  it('the hub resumes after the last event it dispatched when the store drops its subscription', async () => {
    const events: RecordedEvent[] = [];
    hub.listenToTenant('a', { deliver: (recorded) => events.push(recorded) });
    const flaky = new FlakyStore(store);
    const flakyHub = new EventHub(flaky, pino({ level: 'silent' }), { retryDelayMs: 1 });
    const seenByFlaky: number[] = [];
    flakyHub.listenToTenant('a', { deliver: (recorded) => seenByFlaky.push(recorded.position) });
    await flakyHub.start();
    const positions: number[] = [];
    for (let i = 0; i < 10; i++) {
      positions.push(await append('a'));
      if (i === 4) {
        while (seenByFlaky.length < positions.length) await new Promise((resolve) => setTimeout(resolve, 2));
        flaky.dropSubscriptions();
        // Appended around the drop: the new subscription must start right after the last event dispatched.
        positions.push(await append('a'));
        while (flaky.subscriptions < 2) await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    while (seenByFlaky.length < positions.length) await new Promise((resolve) => setTimeout(resolve, 2));
    await flakyHub.stop();
    expect(seenByFlaky).toEqual(positions);
    expect(flaky.subscriptions).toBeGreaterThan(1);
  });
});

/** A store whose live subscriptions can be made to fail, as a KurrentDB connection loss would. */
class FlakyStore implements EventStore {
  readonly kind = 'flaky';
  subscriptions = 0;
  private readonly failing = new Set<() => void>();

  constructor(private readonly inner: EventStore) {}

  dropSubscriptions(): void {
    for (const fail of this.failing) fail();
  }

  subscribeToAll(options?: Parameters<EventStore['subscribeToAll']>[0]) {
    this.subscriptions++;
    const inner = this.inner.subscribeToAll(options);
    let fail!: () => void;
    const failed = new Promise<never>((_resolve, reject) => {
      fail = () => reject(new Error('connection lost'));
    });
    failed.catch(() => undefined);
    this.failing.add(fail);
    const iterator = inner[Symbol.asyncIterator]();
    return {
      unsubscribe: () => inner.unsubscribe(),
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const next = await Promise.race([iterator.next(), failed]);
          return next;
        },
        return: async () => {
          await inner.unsubscribe();
          return { done: true as const, value: undefined };
        },
      }),
    };
  }

  appendToStream: EventStore['appendToStream'] = (...args) => this.inner.appendToStream(...args);
  readStream: EventStore['readStream'] = (...args) => this.inner.readStream(...args);
  readAll: EventStore['readAll'] = (...args) => this.inner.readAll(...args);
  headPosition: EventStore['headPosition'] = () => this.inner.headPosition();
  ping: EventStore['ping'] = () => this.inner.ping();
  close: EventStore['close'] = () => Promise.resolve();
}
