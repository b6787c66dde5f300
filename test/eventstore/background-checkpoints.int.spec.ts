import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ReadModelDatabase } from '../../projections/read-model-database.js';
import { startBackgroundCheckpoints } from '../../src/eventstore/sqlite/background-checkpoints.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';
import { applyWalPragmas } from '../../src/eventstore/sqlite/wal-pragmas.js';
import { runScript, sourceModule } from '../support/script-process.js';

// Every checkpoint thread started, by the file it checkpoints.
const threadsStarted = vi.hoisted(() => [] as string[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  class RecordedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      threadsStarted.push((args[1]?.workerData as { filename: string }).filename);
    }
  }
  return { ...actual, Worker: RecordedWorker };
});

/** The committing connection's fallback autocheckpoint (wal-pragmas.ts): the writes below stay under it. */
const FALLBACK_FRAMES = 100_000;
const BURSTS = 6;
const WRITES_PER_BURST = 2_000;
/** Long enough for the thread to see that writes have paused (two polls, 200 ms apart) and to checkpoint. */
const PAUSE_MS = 600;

interface WalRecord {
  /** Most frames the WAL held at once. */
  most: number;
  /** Frames written in all (each restart of the WAL begins a new count). */
  written: number;
  /** Times a write started the WAL over from its beginning. */
  restarts: number;
}

/**
 * Bursts of small write transactions (thousands of frames each) with pauses between them, the WAL's frame count
 * read after each (a NOOP checkpoint, which copies nothing). A checkpoint in another thread lets the next write
 * start the WAL over only if it finishes with nothing committed meanwhile: the pauses give it that moment (a
 * writer that never pauses is left to the fallback, see checkpoint-thread.ts).
 */
async function burstsOfWrites(db: Database.Database, write: (i: number) => unknown): Promise<WalRecord> {
  const walFrames = db.prepare('PRAGMA wal_checkpoint(NOOP)');
  const record: WalRecord = { most: 0, written: 0, restarts: 0 };
  let last = 0;
  for (let burst = 0; burst < BURSTS; burst++) {
    for (let i = 0; i < WRITES_PER_BURST; i++) {
      await write(burst * WRITES_PER_BURST + i);
      const { log } = walFrames.get() as { log: number };
      if (log < last) record.restarts++;
      record.written += log < last ? log : log - last;
      record.most = Math.max(record.most, log);
      last = log;
    }
    await sleep(PAUSE_MS);
  }
  return record;
}

describe('background WAL checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-checkpoints-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keep the WAL of the event store bounded under sustained appends, from their own thread, and every event stays readable', async () => {
    const filename = join(dir, 'events.db');
    const store = new SqliteEventStore({ filename });
    try {
      const event = (i: number) => ({ id: randomUUID(), type: 'Counted', data: { i, pad: 'x'.repeat(200) } });
      const wal = await burstsOfWrites(store.database, (i) => store.appendToStream(`counted-${i % 50}`, [event(i)]));

      // Without the thread the WAL would hold every frame written, never started over: the committing
      // connection checkpoints only beyond FALLBACK_FRAMES, which these writes do not reach.
      expect(wal.written).toBeGreaterThan(30_000);
      expect(wal.written).toBeLessThan(FALLBACK_FRAMES);
      expect(wal.restarts).toBeGreaterThanOrEqual(BURSTS - 2);
      expect(wal.most).toBeLessThan(wal.written / 3);

      const all = [];
      for await (const recorded of store.readAll()) all.push(recorded);
      expect(all.map((recorded) => (recorded.data as { i: number }).i)).toEqual([...Array(BURSTS * WRITES_PER_BURST).keys()]);
    } finally {
      await store.close();
    }
  });

  it('keep the WAL of the read-model database bounded too', async () => {
    const readModels = new ReadModelDatabase(join(dir, 'readmodels.db'));
    try {
      readModels.db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)');
      const insert = readModels.db.prepare('INSERT INTO rows (k, v) VALUES (?, ?)');
      const wal = await burstsOfWrites(readModels.db, (i) => insert.run(`k-${i}`, 'x'.repeat(200)));

      expect(wal.written).toBeGreaterThan(20_000);
      expect(wal.written).toBeLessThan(FALLBACK_FRAMES);
      expect(wal.restarts).toBeGreaterThanOrEqual(BURSTS - 2);
      expect(wal.most).toBeLessThan(wal.written / 3);
      expect(readModels.db.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(BURSTS * WRITES_PER_BURST);
    } finally {
      await readModels.close();
    }
  });

  it('stop with the store or database that started them, its connection closing last (SQLite then removes the WAL); closing twice is safe', async () => {
    const eventsFile = join(dir, 'close-events.db');
    const store = new SqliteEventStore({ filename: eventsFile });
    await store.appendToStream('s', [{ id: randomUUID(), type: 'Counted', data: {} }]);
    const readModelFile = join(dir, 'close-readmodels.db');
    const readModels = new ReadModelDatabase(readModelFile);
    readModels.saveCheckpoint('p', { version: 1, position: 1 });

    await Promise.all([store.close(), readModels.close()]);
    await Promise.all([store.close(), readModels.close()]);
    expect(existsSync(`${eventsFile}-wal`)).toBe(false);
    expect(existsSync(`${readModelFile}-wal`)).toBe(false);
  });

  it('start one thread per file on disk, none for :memory:', async () => {
    threadsStarted.length = 0;
    const inMemory = [new SqliteEventStore({ filename: ':memory:' }), new ReadModelDatabase(':memory:')];
    expect(threadsStarted).toEqual([]);
    const onDisk = [new SqliteEventStore({ filename: join(dir, 'count-events.db') }), new ReadModelDatabase(join(dir, 'count-readmodels.db'))];
    expect(threadsStarted).toEqual([join(dir, 'count-events.db'), join(dir, 'count-readmodels.db')]);
    await Promise.all([...inMemory, ...onDisk].map((opened) => opened.close()));
  });

  it('report a thread that fails, leave the checkpoints to the committing connection, and stop all the same', async () => {
    const path = join(dir, 'gone.db');
    const db = new Database(path);
    applyWalPragmas(db);
    // The file is gone before the thread opens it (it must exist): the thread fails.
    rmSync(path);
    const errors: Error[] = [];
    const checkpoints = startBackgroundCheckpoints(db, { onError: (error) => errors.push(error) });
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    expect(errors[0]!.message).toContain('the thread failed');
    await vi.waitFor(() => expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000), { timeout: 10_000 });
    await checkpoints.stop();
    await checkpoints.stop();
    db.close();
  });

  it('do not keep the process alive', async () => {
    // A store left open, its thread running: the process ends when its own work does.
    const ended = await runScript(
      `import { SqliteEventStore } from ${sourceModule('src/eventstore/sqlite/sqlite-event-store.ts')};
      new SqliteEventStore({ filename: ${JSON.stringify(join(dir, 'left-open.db'))}, onCheckpointError: (error) => console.log(error.message) });
      setTimeout(() => console.log('done'), 1_000);`,
    );
    expect(ended).toEqual({ code: 0, output: 'done' });
  });
});
