import type Database from 'better-sqlite3';

/**
 * WAL settings for a SQLite file that takes one small write transaction per
 * request. A checkpoint copies the WAL back into the database and fsyncs both;
 * SQLite's automatic one runs as part of the COMMIT that crosses its
 * threshold, on the thread that committed, and held the event loop for tens
 * of milliseconds. The checkpoints are a background thread's work instead
 * (background-checkpoints.ts, with its own connection), every thousand pages
 * or so. The automatic checkpoint stays, at 100,000 pages (about 400 MB, some
 * ten seconds of the delivery benchmark's writes), as a bound on the WAL
 * should that thread be starved, or should writes never pause long
 * enough for its checkpoints to let SQLite start the WAL over: each time it is
 * crossed, the committing thread checkpoints what the background thread has
 * not copied yet. Should that thread fail, the committing connection goes
 * back to SQLite's default of every 1,000 pages. With synchronous = NORMAL
 * the WAL is fsynced only at checkpoints anyway, so none of this changes what
 * survives a process crash (everything) or a power cut (not the latest
 * commits, as before). Reads go through a memory map instead of a read() per
 * page.
 */
export function applyWalPragmas(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 100000');
  db.pragma('mmap_size = 268435456');
}
