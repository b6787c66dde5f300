import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CompetingConsumers } from '../../src/eventstore/competing-consumers.js';
import { EventStoreUnavailable } from '../../src/eventstore/errors.js';
import type { EventStore } from '../../src/eventstore/event-store.js';
import {
  createKurrentDbCompetingConsumers,
  type KurrentDbCompetingConsumersOptions,
} from '../../src/eventstore/kurrentdb/kurrentdb-competing-consumers.js';
import { createKurrentDbEventStore } from '../../src/eventstore/kurrentdb/kurrentdb-event-store.js';
import type { KurrentDbDouble } from '../kurrentdb-double/kurrentdb-double.js';
import { Inbox } from './competing-consumers-inbox.js';
import { describeCompetingConsumersContract, type CompetingConsumersFixture } from './competing-consumers.contract.js';
import { newEvent, startDoubleWithStore, type DoubleWithStore } from './kurrentdb-double-fixture.js';

function fixtureOn(store: EventStore, connectionString: string, stop: () => Promise<void>): CompetingConsumersFixture {
  return {
    store,
    openInstance: () => createKurrentDbCompetingConsumers(connectionString),
    cleanup: stop,
  };
}

describeCompetingConsumersContract('KurrentDB (in-process double)', async () => {
  const { double, store, stop } = await startDoubleWithStore();
  return fixtureOn(store, double.connectionString, stop);
});

// Against a real server too when one is configured; the suite only creates its own groups and streams.
const realServer = process.env.KURRENTDB_CONNECTION_STRING;
describe.skipIf(!realServer)('against KURRENTDB_CONNECTION_STRING', () => {
  describeCompetingConsumersContract('KurrentDB (KURRENTDB_CONNECTION_STRING)', async () => {
    const store = createKurrentDbEventStore(realServer!);
    return fixtureOn(store, realServer!, () => store.close());
  });
});

/** What only the double can arrange: the server going away and coming back. */
describe('KurrentDB competing consumers: the server goes away and comes back', () => {
  let fixture: DoubleWithStore;
  let double: KurrentDbDouble;
  let consumers: CompetingConsumers[];

  beforeEach(async () => {
    fixture = await startDoubleWithStore({ appendRetryForMs: 500 });
    double = fixture.double;
    consumers = [];
  });
  afterEach(async () => {
    await Promise.all(consumers.map((instance) => instance.close()));
    await fixture.stop();
  });

  function instance(options: KurrentDbCompetingConsumersOptions = {}): CompetingConsumers {
    const opened = createKurrentDbCompetingConsumers(double.connectionString, { reconnectForMs: 10_000, ...options });
    consumers.push(opened);
    return opened;
  }

  function names() {
    const id = randomUUID();
    return { group: `restart-${id}`, prefix: `restart-${id}-` };
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  it('carries on after a restart: what was acked and checkpointed is not handed out again, what was held is', async () => {
    const { group, prefix } = names();
    const inbox = new Inbox(
      await instance({ checkpointAfterMs: 100 }).join({
        group,
        consumerName: 'instance-1',
        filter: { streamNamePrefixes: [prefix] },
        startFrom: 'start',
      }),
    );
    await fixture.store.appendToStream(`${prefix}stream`, ['E1', 'E2', 'E3', 'E4', 'E5', 'E6'].map((type) => newEvent(type)));
    const received = await inbox.take(6);
    await Promise.all(received.slice(0, 4).map((message) => message.ack()));
    // KurrentDB writes the checkpoint on its own clock; a restart before it would hand acked events out again.
    await until(() => double.persistentSubscriptions.info(group)?.checkpoint === received[3]!.event.position);
    const subscriptionsBefore = double.activity.persistentSubscriptions;

    await double.restart();
    const afterRestart = await inbox.take(2);
    expect(afterRestart.map((message) => message.event.type)).toEqual(['E5', 'E6']);
    expect(double.activity.persistentSubscriptions).toBe(subscriptionsBefore + 1);
    // Held across the restart: settling them now is moot, and harmless.
    await received[4]!.ack();
    await Promise.all(afterRestart.map((message) => message.ack()));

    await fixture.store.appendToStream(`${prefix}stream`, [newEvent('E7')]);
    expect((await inbox.next()).event.type).toBe('E7');
  });

  it('join waits for a server that is not up yet', async () => {
    const { group, prefix } = names();
    await double.stop();
    const joining = instance().join({ group, consumerName: 'early', filter: { streamNamePrefixes: [prefix] }, startFrom: 'start' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await double.start();
    const inbox = new Inbox(await joining);
    await fixture.store.appendToStream(`${prefix}stream`, [newEvent('Late')]);
    expect((await inbox.next()).event.type).toBe('Late');
  });

  it('the iterator throws EventStoreUnavailable when the server stays away longer than reconnectForMs', async () => {
    const { group, prefix } = names();
    const inbox = new Inbox(
      await instance({ reconnectForMs: 300 }).join({
        group,
        consumerName: 'impatient',
        filter: { streamNamePrefixes: [prefix] },
        startFrom: 'start',
      }),
    );
    await double.stop();
    await expect(inbox.next()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await double.start();
  });

  it('closing the consumers ends a pending pull with EventStoreUnavailable', async () => {
    const { group, prefix } = names();
    const own = instance();
    const inbox = new Inbox(await own.join({ group, consumerName: 'closing', filter: { streamNamePrefixes: [prefix] }, startFrom: 'start' }));
    const pending = expect(inbox.next()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await own.close();
    await pending;
    await expect(own.join({ group, consumerName: 'again', filter: {}, startFrom: 'start' })).rejects.toBeInstanceOf(EventStoreUnavailable);
  });

  it('refuses bad options, naming the field, before touching the server', async () => {
    const join = (extra: object) =>
      instance().join({ group: 'g', consumerName: 'c', filter: {}, startFrom: 'start', ...extra });
    await expect(join({ group: ' ' })).rejects.toThrow(/group/);
    await expect(join({ consumerName: '' })).rejects.toThrow(/consumerName/);
    await expect(join({ bufferSize: 0 })).rejects.toThrow(/bufferSize/);
    await expect(join({ messageTimeoutMs: 1.5 })).rejects.toThrow(/messageTimeoutMs/);
    await expect(join({ maxRetryCount: -1 })).rejects.toThrow(/maxRetryCount/);
    expect(double.persistentSubscriptions.info('g')).toBeUndefined();
  });
});
