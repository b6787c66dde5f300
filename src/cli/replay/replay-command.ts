import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { allProjections } from '../../../projections/all-projections.js';
import type { Projection } from '../../../projections/projection.js';
import { ReadModelDatabase, type Checkpoint } from '../../../projections/read-model-database.js';
import type { Config } from '../../config/config.js';
import type { EventStore } from '../../eventstore/event-store.js';
import { CliError, EXIT_DIFFERENCES, EXIT_OK } from '../cli-error.js';
import { compareReadModels, describeComparison, hasDifferences, REBUILT_SCHEMA } from './compare-read-models.js';
import { rebuildReadModels } from './rebuild-read-models.js';

export interface ReplayOptions {
  /** Replace the live read model with the rebuilt one (rebuilt up to the head of the log). */
  write: boolean;
}

type Output = (line: string) => void;

function liveCheckpoints(live: Database.Database): Map<string, Checkpoint> {
  const exists = live.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'`).get();
  if (!exists) return new Map();
  const rows = live.prepare('SELECT projection, version, position FROM checkpoints').all() as ({ projection: string } & Checkpoint)[];
  return new Map(rows.map((row) => [row.projection, { version: row.version, position: row.position }]));
}

/**
 * Where each projection is rebuilt up to. Compared with a live model, its own
 * checkpoint: a running server may be a little behind (or ahead of what this
 * tool saw at its start), and only the same prefix of the log can be compared.
 */
function rebuildTargets(
  projections: readonly Projection[],
  live: Map<string, Checkpoint> | undefined,
  head: number,
  say: Output,
): Map<string, number> {
  const targets = new Map<string, number>();
  for (const projection of projections) {
    const checkpoint = live?.get(projection.name);
    if (!live) targets.set(projection.name, head);
    else if (!checkpoint) targets.set(projection.name, 0);
    else if (checkpoint.version !== projection.version) {
      say(`  ${projection.name}: the live model is version ${checkpoint.version}, this code builds ${projection.version}; the server rebuilds it at its next start`);
      targets.set(projection.name, head);
    } else targets.set(projection.name, checkpoint.position);
  }
  return targets;
}

/**
 * Moves the rebuilt database over the live one. Every connection to either is
 * closed by now: the rebuilt one is first folded into a single file (out of
 * WAL mode; the server turns WAL on again when it opens it), and the live
 * one's WAL files are removed, or SQLite would replay them into the new file.
 */
function replaceLive(rebuiltPath: string, livePath: string): void {
  const rebuilt = new Database(rebuiltPath, { fileMustExist: true });
  rebuilt.pragma('journal_mode = DELETE');
  rebuilt.close();
  for (const suffix of ['-wal', '-shm']) rmSync(`${livePath}${suffix}`, { force: true });
  renameSync(rebuiltPath, livePath);
}

/**
 * `hookgate replay`: rebuilds every projection from the log into a fresh
 * database and compares it, table by table and row by row, with the live
 * read model. The live model is read in one read transaction, so a server
 * writing meanwhile changes nothing of what is compared.
 */
export async function replay(config: Config, store: EventStore, options: ReplayOptions, say: Output): Promise<number> {
  const livePath = config.readModelPath;
  if (livePath === ':memory:') throw new CliError('HOOKGATE_READ_MODEL_PATH is :memory:: there is no live read model to compare or replace');
  const liveExists = existsSync(livePath);
  if (!liveExists && !options.write) {
    throw new CliError(`No live read model at ${livePath}: nothing to compare (run with --write to build one)`);
  }

  // With --write the new file is made beside the live one, so that it can be renamed over it.
  const workDir = options.write ? dirname(livePath) : mkdtempSync(join(tmpdir(), 'hookgate-replay-'));
  const rebuiltPath = options.write ? join(workDir, `.${basename(livePath)}.replay-${process.pid}`) : join(workDir, 'readmodels.db');
  const rebuilt = new ReadModelDatabase(rebuiltPath);
  let live: Database.Database | undefined;
  let replaced = false;
  try {
    let checkpoints: Map<string, Checkpoint> | undefined;
    if (liveExists) {
      live = new Database(livePath, { readonly: true, fileMustExist: true });
      // ATTACH is not allowed inside a transaction; the snapshot starts at the first read after BEGIN.
      live.prepare(`ATTACH DATABASE ? AS ${REBUILT_SCHEMA}`).run(rebuiltPath);
      live.exec('BEGIN');
      checkpoints = liveCheckpoints(live);
    }
    const head = await store.headPosition();
    const targets = rebuildTargets(allProjections, options.write ? undefined : checkpoints, head, say);
    const result = await rebuildReadModels(store, allProjections, rebuilt, targets);
    const rate = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
    say(`replayed ${result.events} events in ${result.seconds.toFixed(1)} s (${rate} events/s) into a fresh read model`);
    say(`  up to ${[...targets].map(([name, position]) => `${name} @ ${position}`).join(', ')}`);
    await rebuilt.close();

    let differs = false;
    if (live) {
      const comparison = compareReadModels(live);
      live.exec('COMMIT');
      for (const line of describeComparison(comparison)) say(line);
      differs = hasDifferences(comparison);
      const differing = comparison.filter((c) => c.kind !== 'equal').map((c) => c.table);
      say(differs ? `differences in ${differing.length} table(s): ${differing.join(', ')}` : 'no differences');
      live.close();
      live = undefined;
    }
    if (options.write) {
      replaceLive(rebuiltPath, livePath);
      replaced = true;
      say(`wrote the rebuilt read model to ${livePath}`);
      return EXIT_OK;
    }
    return differs ? EXIT_DIFFERENCES : EXIT_OK;
  } finally {
    live?.close();
    await rebuilt.close();
    if (!replaced) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${rebuiltPath}${suffix}`, { force: true });
    }
    if (!options.write) rmSync(workDir, { recursive: true, force: true });
  }
}
