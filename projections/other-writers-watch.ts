import type { ReadModelDatabase } from './read-model-database.js';

/** How often the read-model database is checked for writes by another process. */
const CHECK_EVERY_MS = 1_000;

/**
 * Calls `onChange` when another process has written to the read-model
 * database (`hookgate replay --write` repairing a live read model), so that
 * what is kept in memory from it (caches, the worker's queue) is read again
 * within a second rather than at the next commit. Returns the stop function.
 */
export function watchOtherWriters(readModels: ReadModelDatabase, onChange: () => void, everyMs = CHECK_EVERY_MS): () => void {
  let seen = readModels.dataVersion();
  const timer = setInterval(() => {
    const version = readModels.dataVersion();
    if (version === seen) return;
    seen = version;
    onChange();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
