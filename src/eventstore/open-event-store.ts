import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { EventStore } from './event-store.js';
import { logCheckpointErrors } from './sqlite/background-checkpoints.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

/**
 * KurrentDB when a connection string is configured, else the embedded SQLite
 * file in the data directory. The KurrentDB client (and its native reader) is
 * loaded only when it is used. `logger` takes the failures of the SQLite
 * file's background checkpoints (without it they are process warnings).
 */
export async function openEventStore(
  config: Pick<Config, 'kurrentDbConnectionString' | 'dataDir' | 'sqliteSynchronous'>,
  logger?: Logger,
): Promise<EventStore> {
  if (config.kurrentDbConnectionString) {
    const { createKurrentDbEventStore } = await import('./kurrentdb/kurrentdb-event-store.js');
    return createKurrentDbEventStore(config.kurrentDbConnectionString);
  }
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteEventStore({
    filename: join(config.dataDir, 'events.db'),
    synchronous: config.sqliteSynchronous,
    onCheckpointError: logger && logCheckpointErrors(logger),
  });
}
