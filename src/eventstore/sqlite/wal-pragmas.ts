import type Database from 'better-sqlite3';

/**
 * WAL settings for a SQLite file that takes one small write transaction per
 * request. A checkpoint copies the WAL back into the database and fsyncs both,
 * on the thread that committed; at SQLite's default of every 1,000 pages (about
 * 4 MB) that meant a pair of fsyncs every few hundred appends, each holding the
 * event loop for milliseconds. Every 10,000 pages there are a tenth as many. With
 * synchronous = NORMAL the WAL is fsynced only at checkpoints anyway, so this
 * changes nothing of what survives a process crash (everything) or a power cut
 * (not the latest commits, as before, only more of them). Reads go through a
 * memory map instead of a read() per page.
 */
export function applyWalPragmas(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('mmap_size = 268435456');
}
