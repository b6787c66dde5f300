import type Database from 'better-sqlite3';

/**
 * One table holds the whole log: the rowid is the global position, and the
 * (stream, revision) and id indexes enforce optimistic concurrency and
 * idempotent appends.
 */
export function migrateEventsSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      position   INTEGER PRIMARY KEY,
      stream     TEXT    NOT NULL,
      revision   INTEGER NOT NULL,
      id         TEXT    NOT NULL,
      type       TEXT    NOT NULL,
      data       TEXT    NOT NULL,
      metadata   TEXT    NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream, revision);
    CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events (id);
  `);
}

export const INSERT_EVENT_SQL =
  'INSERT INTO events (stream, revision, id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';

export const EVENT_COLUMNS = 'position, stream, revision, id, type, data, metadata, created_at';

/** A row read with `.raw()`, in `EVENT_COLUMNS` order. */
export type EventRow = [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  data: string,
  metadata: string,
  createdAt: number,
];
