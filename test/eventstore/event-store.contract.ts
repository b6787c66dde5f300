import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore, NewEvent, RecordedEvent, SubscriptionMessage } from '../../src/eventstore/event-store.js';
import { WrongExpectedVersion } from '../../src/eventstore/errors.js';

export interface OpenedStore {
  store: EventStore;
  cleanup(): Promise<void>;
}

/**
 * The behaviour every event-store adapter must have. Each test works in its
 * own stream-name prefix so the suite can also run against a shared, non-empty
 * real server.
 */
export function describeEventStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`event store contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: EventStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    const prefix = () => `t${randomUUID().replaceAll('-', '')}-`;
    const event = (type: string, data: Record<string, unknown> = {}, id = randomUUID()): NewEvent => ({
      id,
      type,
      data: data as NewEvent['data'],
      metadata: { tenantId: 'tenant-1', actor: 'admin', correlationId: 'corr-1', causationId: 'cause-1' },
    });

    async function collect(iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
      const out: RecordedEvent[] = [];
      for await (const e of iterable) out.push(e);
      return out;
    }

    describe('append', () => {
      it('appends to a new stream and reads back id, type, data, metadata, revision, position and time', async () => {
        const stream = `${prefix()}a`;
        const before = Date.now();
        const first = event('Created', { n: 1, nested: { ok: true, list: [1, 'two', null] } });
        const result = await store.appendToStream(stream, [first], { expectedRevision: 'no_stream' });
        expect(result.nextRevision).toBe(0);
        expect(result.position).toBeGreaterThan(0);

        const read = await store.readStream(stream);
        expect(read.streamExists).toBe(true);
        expect(read.events).toHaveLength(1);
        const [stored] = read.events;
        expect(stored).toMatchObject({
          id: first.id,
          type: 'Created',
          data: { n: 1, nested: { ok: true, list: [1, 'two', null] } },
          metadata: { tenantId: 'tenant-1', actor: 'admin', correlationId: 'corr-1', causationId: 'cause-1' },
          streamName: stream,
          revision: 0,
          position: result.position,
        });
        expect(stored!.createdAt).toBeInstanceOf(Date);
        expect(stored!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
        expect(stored!.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
      });

      it('appends several events atomically with consecutive revisions and increasing positions', async () => {
        const stream = `${prefix()}batch`;
        const result = await store.appendToStream(stream, [event('A'), event('B'), event('C')]);
        expect(result.nextRevision).toBe(2);
        const { events } = await store.readStream(stream);
        expect(events.map((e) => [e.type, e.revision])).toEqual([
          ['A', 0],
          ['B', 1],
          ['C', 2],
        ]);
        expect(events[0]!.position).toBeLessThan(events[1]!.position);
        expect(events[1]!.position).toBeLessThan(events[2]!.position);
        expect(events[2]!.position).toBe(result.position);
      });

      it('no_stream fails when the stream exists, with the actual revision', async () => {
        const stream = `${prefix()}ns`;
        await store.appendToStream(stream, [event('A'), event('B')]);
        const error = await store
          .appendToStream(stream, [event('C')], { expectedRevision: 'no_stream' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect((error as WrongExpectedVersion).actual).toBe(1);
        expect((await store.readStream(stream)).events).toHaveLength(2);
      });

      it('stream_exists fails on a missing stream and succeeds on an existing one', async () => {
        const stream = `${prefix()}se`;
        const error = await store
          .appendToStream(stream, [event('A')], { expectedRevision: 'stream_exists' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect((error as WrongExpectedVersion).actual).toBe('no_stream');
        expect((await store.readStream(stream)).streamExists).toBe(false);

        await store.appendToStream(stream, [event('A')]);
        const ok = await store.appendToStream(stream, [event('B')], { expectedRevision: 'stream_exists' });
        expect(ok.nextRevision).toBe(1);
      });

      it('an exact revision must match the last event, else nothing is appended', async () => {
        const stream = `${prefix()}exact`;
        await store.appendToStream(stream, [event('A'), event('B')]);
        const stale = await store.appendToStream(stream, [event('X')], { expectedRevision: 0 }).catch((e: unknown) => e);
        expect(stale).toBeInstanceOf(WrongExpectedVersion);
        expect((stale as WrongExpectedVersion).actual).toBe(1);
        const ahead = await store.appendToStream(stream, [event('X')], { expectedRevision: 5 }).catch((e: unknown) => e);
        expect(ahead).toBeInstanceOf(WrongExpectedVersion);

        const missing = await store
          .appendToStream(`${stream}-missing`, [event('X')], { expectedRevision: 0 })
          .catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(WrongExpectedVersion);
        expect((missing as WrongExpectedVersion).actual).toBe('no_stream');

        const ok = await store.appendToStream(stream, [event('C')], { expectedRevision: 1 });
        expect(ok.nextRevision).toBe(2);
        expect((await store.readStream(stream)).events.map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('is idempotent: the same event ids with the same expected state are not stored twice', async () => {
        const stream = `${prefix()}idem`;
        const batch = [event('A'), event('B')];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(again.nextRevision).toBe(first.nextRevision);
        const next = [event('C')];
        await store.appendToStream(stream, next, { expectedRevision: 1 });
        await store.appendToStream(stream, next, { expectedRevision: 1 });
        await store.appendToStream(stream, batch, { expectedRevision: 'any' });
        const { events } = await store.readStream(stream);
        expect(events.map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('lets exactly one of many concurrent writers win each revision', async () => {
        const stream = `${prefix()}race`;
        await store.appendToStream(stream, [event('Start')], { expectedRevision: 'no_stream' });
        for (let round = 0; round < 5; round++) {
          const expected = round;
          const writers = Array.from({ length: 10 }, (_, i) =>
            store.appendToStream(stream, [event(`W${round}-${i}`)], { expectedRevision: expected }).then(
              () => 'won' as const,
              (e: unknown) => {
                if (e instanceof WrongExpectedVersion) return 'lost' as const;
                throw e;
              },
            ),
          );
          const outcomes = await Promise.all(writers);
          expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
        }
        const { events } = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
      });
    });

    describe('readStream', () => {
      it('tells a missing stream from an empty read', async () => {
        const stream = `${prefix()}r`;
        const missing = await store.readStream(stream);
        expect(missing).toEqual({ streamExists: false, events: [] });
        await store.appendToStream(stream, [event('A')]);
        const pastEnd = await store.readStream(stream, { fromRevision: 10 });
        expect(pastEnd.streamExists).toBe(true);
        expect(pastEnd.events).toEqual([]);
      });

      it('reads forwards and backwards from a revision with a limit', async () => {
        const stream = `${prefix()}dir`;
        await store.appendToStream(stream, ['E0', 'E1', 'E2', 'E3', 'E4'].map((t) => event(t)));
        const forwards = await store.readStream(stream, { fromRevision: 1, maxCount: 3 });
        expect(forwards.events.map((e) => e.type)).toEqual(['E1', 'E2', 'E3']);
        const backwards = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        expect(backwards.events.map((e) => e.type)).toEqual(['E4', 'E3']);
        const backFrom = await store.readStream(stream, { direction: 'backwards', fromRevision: 2 });
        expect(backFrom.events.map((e) => e.type)).toEqual(['E2', 'E1', 'E0']);
      });
    });

    describe('readAll', () => {
      it('reads the global log in order after a position, filtered by stream prefix and event-type prefix', async () => {
        const p = prefix();
        const start = await store.headPosition();
        await store.appendToStream(`${p}webhook-1`, [event('WebhookCreated'), event('WebhookUpdated')]);
        await store.appendToStream(`${p}tenant-1`, [event('TenantCreated')]);
        await store.appendToStream(`${p}webhook-2`, [event('WebhookCreated'), event('DeliveryAttempted')]);

        const all = await collect(store.readAll({ afterPosition: start, filter: { streamNamePrefixes: [p] } }));
        expect(all.map((e) => `${e.streamName.slice(p.length)}:${e.type}`)).toEqual([
          'webhook-1:WebhookCreated',
          'webhook-1:WebhookUpdated',
          'tenant-1:TenantCreated',
          'webhook-2:WebhookCreated',
          'webhook-2:DeliveryAttempted',
        ]);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);

        const webhooks = await collect(store.readAll({ afterPosition: start, filter: { streamNamePrefixes: [`${p}webhook-`] } }));
        expect(webhooks).toHaveLength(4);

        const byType = await collect(
          store.readAll({ afterPosition: start, filter: { streamNamePrefixes: [p], eventTypePrefixes: ['Webhook', 'Tenant'] } }),
        );
        expect(byType.map((e) => e.type)).toEqual(['WebhookCreated', 'WebhookUpdated', 'TenantCreated', 'WebhookCreated']);

        const afterSecond = await collect(
          store.readAll({ afterPosition: all[1]!.position, maxCount: 2, filter: { streamNamePrefixes: [p] } }),
        );
        expect(afterSecond.map((e) => e.type)).toEqual(['TenantCreated', 'WebhookCreated']);
      });

      it('reports the head position', async () => {
        const result = await store.appendToStream(`${prefix()}head`, [event('A')]);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(result.position);
      });
    });

    describe('subscribeToAll', () => {
      async function take(
        iterator: AsyncIterator<SubscriptionMessage>,
        count: number,
        onCaughtUp?: () => void,
      ): Promise<RecordedEvent[]> {
        const out: RecordedEvent[] = [];
        while (out.length < count) {
          const next = await iterator.next();
          if (next.done) throw new Error(`subscription ended after ${out.length} events`);
          if (next.value.kind === 'event') out.push(next.value.event);
          else onCaughtUp?.();
        }
        return out;
      }

      it('catches up, reports caught-up, then delivers live events, exclusive of its start position', async () => {
        const p = prefix();
        const start = await store.headPosition();
        const first = await store.appendToStream(`${p}s`, [event('Old1'), event('Old2')]);
        const subscription = store.subscribeToAll({ afterPosition: start, filter: { streamNamePrefixes: [p] } });
        const iterator = subscription[Symbol.asyncIterator]();
        let caughtUp = 0;
        const old = await take(iterator, 2, () => caughtUp++);
        expect(old.map((e) => e.type)).toEqual(['Old1', 'Old2']);
        expect(old[1]!.position).toBe(first.position);
        const marker = await iterator.next();
        expect(marker.value).toMatchObject({ kind: 'caughtUp' });
        expect((marker.value as { position: number }).position).toBeGreaterThanOrEqual(first.position);

        await store.appendToStream(`${p}s`, [event('Live1')]);
        await store.appendToStream(`${p}other`, [event('Live2')]);
        const live = await take(iterator, 2, () => caughtUp++);
        expect(live.map((e) => e.type)).toEqual(['Live1', 'Live2']);
        expect(caughtUp).toBe(0);

        const fromMiddle = store.subscribeToAll({ afterPosition: old[0]!.position, filter: { streamNamePrefixes: [p] } });
        const resumed = await take(fromMiddle[Symbol.asyncIterator](), 3);
        expect(resumed.map((e) => e.type)).toEqual(['Old2', 'Live1', 'Live2']);
        await fromMiddle.unsubscribe();

        await subscription.unsubscribe();
        expect((await iterator.next()).done).toBe(true);
      });

      it("'end' delivers only events appended after subscribing", async () => {
        const p = prefix();
        await store.appendToStream(`${p}s`, [event('Before')]);
        const subscription = store.subscribeToAll({ afterPosition: 'end', filter: { streamNamePrefixes: [p] } });
        const iterator = subscription[Symbol.asyncIterator]();
        const firstMessage = await iterator.next();
        expect(firstMessage.value).toMatchObject({ kind: 'caughtUp' });
        await store.appendToStream(`${p}s`, [event('After')]);
        const [after] = await take(iterator, 1);
        expect(after!.type).toBe('After');
        await subscription.unsubscribe();
      });

      it('filters by event-type prefix', async () => {
        const p = prefix();
        const start = await store.headPosition();
        const subscription = store.subscribeToAll({
          afterPosition: start,
          filter: { streamNamePrefixes: [p], eventTypePrefixes: ['Delivery'] },
        });
        await store.appendToStream(`${p}x`, [event('WebhookCreated'), event('DeliverySucceeded'), event('Other')]);
        await store.appendToStream(`${p}y`, [event('DeliveryFailed')]);
        const got = await take(subscription[Symbol.asyncIterator](), 2);
        expect(got.map((e) => e.type)).toEqual(['DeliverySucceeded', 'DeliveryFailed']);
        await subscription.unsubscribe();
      });

      it('sees every one of 10,000 events appended while it catches up, in order, without duplicates', async () => {
        const p = prefix();
        const start = await store.headPosition();
        for (let i = 0; i < 20; i++) {
          await store.appendToStream(`${p}pre`, Array.from({ length: 100 }, (_, j) => event('Pre', { i: i * 100 + j })));
        }
        const subscription = store.subscribeToAll({ afterPosition: start, filter: { streamNamePrefixes: [p] } });
        const writing = (async () => {
          for (let i = 0; i < 10_000; i++) {
            await store.appendToStream(`${p}live-${i % 7}`, [event('Live', { i })]);
          }
        })();
        const received = await take(subscription[Symbol.asyncIterator](), 12_000);
        await writing;
        await subscription.unsubscribe();
        const live = received.filter((e) => e.type === 'Live').map((e) => (e.data as { i: number }).i);
        expect(live).toHaveLength(10_000);
        expect(live).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
        for (let i = 1; i < received.length; i++) expect(received[i]!.position).toBeGreaterThan(received[i - 1]!.position);
      });
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
