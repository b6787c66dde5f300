import { createKurrentDbEventStore } from '../../src/eventstore/kurrentdb/kurrentdb-event-store.js';
import { startKurrentDbDouble } from '../kurrentdb-double/kurrentdb-double.js';
import { describeEventStoreContract } from './event-store.contract.js';

// Against a real server when one is configured (the suite only uses its own stream prefixes), else the in-process double.
const realServer = process.env.KURRENTDB_CONNECTION_STRING;

describeEventStoreContract(realServer ? 'kurrentdb (KURRENTDB_CONNECTION_STRING)' : 'kurrentdb (in-process double)', async () => {
  if (realServer) {
    const store = createKurrentDbEventStore(realServer);
    return { store, cleanup: () => store.close() };
  }
  const double = await startKurrentDbDouble();
  const store = createKurrentDbEventStore(double.connectionString);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await double.stop();
    },
  };
});
