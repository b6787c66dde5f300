/**
 * The background checkpointer's thread (background-checkpoints.ts starts it): its own connection to one SQLite
 * file in WAL mode copies the WAL back into the database, with the fsyncs that come with it, so that the thread
 * that commits never waits on them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointThreadData {
  filename: string;
}

/** Checking costs next to nothing (a NOOP checkpoint reads the WAL's shared-memory header), so it is done often. */
const POLL_MS = 200;
/**
 * SQLite's own default autocheckpoint, about 4 MB: the WAL stays small (in the page cache, short to search for
 * readers) and each checkpoint short, which helps it finish between two commits (below).
 * Under the delivery benchmark (~9,000 pages/s) this is a checkpoint per poll.
 */
const CHECKPOINT_AFTER_FRAMES = 1_000;
/**
 * Fewer frames are checkpointed too: at once when writes have paused (no commit since the last poll), the
 * moment when a checkpoint finishes with nothing committed meanwhile, so that SQLite can start the WAL over;
 * else within about a second.
 */
const CHECKPOINT_WITHIN_MS = 1_000;
/**
 * A checkpoint that has copied the WAL up to where it was when it began leaves behind what was committed while
 * it waited on its fsyncs; SQLite starts the WAL over from its beginning only when a write finds nothing left
 * to copy. So it goes again at once, each round shorter than the one before, until nothing is left or for this
 * many rounds. Should writes never pause long enough, the WAL grows until the committing connection's fallback
 * autocheckpoint (wal-pragmas.ts) copies the little that is left and starts it over.
 */
const CATCH_UP_ROUNDS = 10;

interface WalFrames {
  /** Frames in the WAL. */
  log: number;
  /** Of those, copied into the database. */
  checkpointed: number;
}

const port = parentPort!;
const { filename } = workerData as CheckpointThreadData;
const db = new Database(filename, { fileMustExist: true });
// NOOP only reports (an SQLite older than the one better-sqlite3 bundles would take it for PASSIVE: a checkpoint
// at every poll, still correct); PASSIVE copies what it can without waiting for, or holding up, readers or writers.
const walFrames = db.prepare('PRAGMA wal_checkpoint(NOOP)');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let lastCheckpoint = Date.now();
let logAtLastPoll = 0;
/** A failure is reported once, until a poll succeeds again. */
let failing = false;

function checkpointIfDue(): void {
  let { log, checkpointed } = walFrames.get() as WalFrames;
  const waiting = log - checkpointed;
  const paused = log === logAtLastPoll;
  logAtLastPoll = log;
  if (waiting === 0 || (waiting < CHECKPOINT_AFTER_FRAMES && !paused && Date.now() - lastCheckpoint < CHECKPOINT_WITHIN_MS)) return;
  for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
    const before = { log, checkpointed };
    checkpoint.get();
    ({ log, checkpointed } = walFrames.get() as WalFrames);
    // All copied; or a write has already started the WAL over; or nothing more could be copied (a reader of an
    // older snapshot, or another connection's checkpoint, holds the rest).
    if (log === checkpointed || log < before.log || checkpointed === before.checkpointed) break;
  }
  logAtLastPoll = log;
  lastCheckpoint = Date.now();
}

const timer = setInterval(() => {
  try {
    checkpointIfDue();
    failing = false;
  } catch (error) {
    // As text: an SqliteError does not survive postMessage as an Error.
    if (!failing) port.postMessage(String(error));
    failing = true;
  }
}, POLL_MS);

// 'stop': with the connection closed and the port too, nothing is left to run and the thread ends.
port.once('message', () => {
  clearInterval(timer);
  db.close();
  port.close();
});
