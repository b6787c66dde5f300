import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/application/command-handler.js';
import type { Decider, Event } from '../../src/domain/decider.js';
import type { EventStore } from '../../src/eventstore/event-store.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';

type Opened = Event<'Opened', { by: string }>;
type State = { opened: boolean; by: string | null };
type Open = { type: 'Open'; by: string };

/** Opens once: a second Open on an opened stream is refused. */
const decider: Decider<Open, Opened, State> = {
  initialState: () => ({ opened: false, by: null }),
  evolve: (_state, event) => ({ opened: true, by: event.data.by }),
  decide: (command, state) => {
    if (state.opened) throw new Error(`already opened by ${state.by}`);
    return [{ type: 'Opened', data: { by: command.by } }];
  },
};

const metadata = { tenantId: 't', actor: 'test', correlationId: 'c' };

describe('handleCommand with expectNoStream', () => {
  const store = new SqliteEventStore({ filename: ':memory:' });
  let reads = 0;
  // Delegates to the store itself (not through its prototype, which would give the store's own fields a second home).
  const counted: EventStore = {
    ...({} as EventStore),
    appendToStream: (...args) => store.appendToStream(...args),
    readStream: (...args) => {
      reads++;
      return store.readStream(...args);
    },
  };
  afterEach(() => {
    reads = 0;
  });

  it('decides on the initial state without reading a stream that does not exist', async () => {
    const handled = await handleCommand(counted, 'door-1', decider, { type: 'Open', by: 'a' }, { metadata, expectNoStream: true });
    expect(handled.state).toEqual({ opened: true, by: 'a' });
    expect(handled.version).toBe(0);
    expect(reads).toBe(0);
  });

  it('reads and decides again when the stream exists after all', async () => {
    await handleCommand(store, 'door-2', decider, { type: 'Open', by: 'a' }, { metadata });
    await expect(
      handleCommand(counted, 'door-2', decider, { type: 'Open', by: 'b' }, { metadata, expectNoStream: true }),
    ).rejects.toThrow('already opened by a');
    expect(reads).toBe(1);
    expect((await store.readStream('door-2')).events).toHaveLength(1);
  });
});
