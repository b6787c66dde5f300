import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { SubscriptionMessage } from '../../src/eventstore/event-store.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';

const event = (type = 'Happened') => ({ id: randomUUID(), type, data: {}, metadata: {} });

describe('SQLite subscriptions wake for the appends their filter takes', () => {
  it('leaves a caught-up subscription asleep through appends it would filter out, and wakes it for one it takes', async () => {
    // A poll far away, so that only an append can wake the subscription during the test.
    const store = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 60_000 });
    let reads = 0;
    const readBatchAfter = store.readBatchAfter.bind(store);
    store.readBatchAfter = (...args) => {
      reads++;
      return readBatchAfter(...args);
    };
    const subscription = store.subscribeToAll({ afterPosition: 0, filter: { streamNamePrefixes: ['tenant-'], eventTypePrefixes: ['Tenant'] } });
    const messages = subscription[Symbol.asyncIterator]();
    expect((await messages.next()).value).toMatchObject({ kind: 'caughtUp' });

    const next = messages.next();
    await nextTurn();
    const asleep = reads;
    await store.appendToStream('webhook-1', [event('WebhookCreated')]);
    await store.appendToStream('tenant-1', [event('SomethingElse')]);
    await nextTurn();
    expect(reads).toBe(asleep);

    await store.appendToStream('tenant-1', [event('TenantCreated')]);
    const received = (await next).value as SubscriptionMessage;
    expect(received).toMatchObject({ kind: 'event', event: { streamName: 'tenant-1', type: 'TenantCreated', position: 3 } });
    await subscription.unsubscribe();
    await store.close();
  });
});
