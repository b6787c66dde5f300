import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { threadEntry } from '../../threads/thread-entry.js';
import type { Logger } from '../../logging/logger.js';
import type { CheckpointThreadData } from './checkpoint-thread.js';

const THREAD_ENTRY = threadEntry(import.meta.url, 'checkpoint-thread');

export interface BackgroundCheckpoints {
  /** Ends the thread, its connection closed; call it before closing the file's other connections in this process. */
  stop(): Promise<void>;
}

export interface BackgroundCheckpointOptions {
  /**
   * What went wrong: the thread did not start or died, or a checkpoint failed (it is tried again at the next
   * poll). Either way the committing connection's fallback autocheckpoint keeps the WAL bounded. By default, a
   * process warning.
   */
  onError?: (error: Error) => void;
}

/** An `onError` that logs each failure as an error. */
export const logCheckpointErrors =
  (logger: Logger) =>
  (err: Error): void =>
    logger.error({ err }, err.message);

const NOTHING_TO_STOP: BackgroundCheckpoints = { stop: async () => {} };
/** SQLite's own default: with no thread to checkpoint, the committing connection does it as SQLite would. */
const AUTOCHECKPOINT_WITHOUT_THREAD = 1_000;

/**
 * Checkpoints the WAL of the SQLite file that `db` (the connection that commits) has open, in a worker thread
 * of its own (checkpoint-thread.ts) with its own connection, so that copying the WAL into the database and the
 * fsyncs that go with it do not hold up the thread that commits. A `:memory:` database has no WAL: no thread.
 * Should the thread fail or end, `db` checkpoints on its own again, every 1,000 pages.
 */
export function startBackgroundCheckpoints(
  db: Database.Database,
  { onError = (error) => process.emitWarning(error) }: BackgroundCheckpointOptions = {},
): BackgroundCheckpoints {
  if (db.memory) return NOTHING_TO_STOP;
  const filename = db.name;
  const failed = (what: string, cause?: unknown) => onError(new Error(`background WAL checkpoints of ${filename}: ${what}`, { cause }));
  const checkpointHere = () => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_WITHOUT_THREAD}`);
  };
  let worker: Worker;
  try {
    worker = new Worker(THREAD_ENTRY, { workerData: { filename } satisfies CheckpointThreadData });
  } catch (error) {
    checkpointHere();
    failed('the thread did not start', error);
    return NOTHING_TO_STOP;
  }
  let stopped: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      if (!stopped) checkpointHere();
      resolve();
    }),
  );
  worker.on('error', (error) => failed('the thread failed', error));
  worker.on('message', (error: string) => failed(`a checkpoint failed (${error})`));
  // After the listeners: adding a 'message' listener refs the worker's port again.
  worker.unref();
  return {
    stop() {
      stopped ??= (async () => {
        // Held while it stops, so that a process waiting for it does not exit first.
        worker.ref();
        worker.postMessage('stop');
        await exited;
      })();
      return stopped;
    },
  };
}
