import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';
import { describeEventStoreContract } from './event-store.contract.js';

describeEventStoreContract('sqlite in-memory', async () => {
  const store = new SqliteEventStore({ filename: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describeEventStoreContract('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-es-'));
  const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
