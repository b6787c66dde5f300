import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Projection } from '../../projections/projection.js';
import { ProjectionRunner, ProjectionTimeout } from '../../projections/projection-runner.js';
import { ReadModelDatabase } from '../../projections/read-model-database.js';
import type { RecordedEvent } from '../../src/eventstore/event-store.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';

const logger = pino({ level: 'silent' });

/** Counts events per stream, and fails on a `Poison` event. */
function countingProjection(version = 1): Projection {
  return {
    name: 'counts',
    version,
    filter: { streamNamePrefixes: ['counted-'] },
    setup: (db: Database.Database) => db.exec('CREATE TABLE IF NOT EXISTS counts (stream TEXT PRIMARY KEY, n INTEGER NOT NULL)'),
    reset: (db: Database.Database) => db.exec('DROP TABLE IF EXISTS counts'),
    apply: (db: Database.Database, event: RecordedEvent) => {
      if (event.type === 'Poison') throw new Error('cannot fold poison');
      db.prepare('INSERT INTO counts VALUES (?, 1) ON CONFLICT (stream) DO UPDATE SET n = n + 1').run(event.streamName);
    },
  };
}

const counts = (readModels: ReadModelDatabase) =>
  Object.fromEntries(
    (readModels.db.prepare('SELECT stream, n FROM counts ORDER BY stream').all() as { stream: string; n: number }[]).map((r) => [r.stream, r.n]),
  );

const ev = (type = 'Counted') => ({ id: randomUUID(), type, data: {} });

describe('ProjectionRunner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-proj-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies events, lets a writer wait for its own write, resumes from its checkpoint and rebuilds to the same model', async () => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const readModelFile = join(dir, 'readmodels.db');
    let readModels = new ReadModelDatabase(readModelFile);
    let runner = new ProjectionRunner(store, readModels, countingProjection(), logger);
    runner.start();

    await store.appendToStream('counted-a', [ev(), ev()]);
    await store.appendToStream('ignored-x', [ev()]);
    const last = await store.appendToStream('counted-b', [ev()]);
    await runner.waitForPosition(last.position);
    expect(counts(readModels)).toEqual({ 'counted-a': 2, 'counted-b': 1 });

    // Events appended while it is down are applied once after a restart, and nothing twice.
    await runner.stop();
    await readModels.close();
    await store.appendToStream('counted-a', [ev()]);
    const whileDown = await store.appendToStream('counted-c', [ev()]);
    readModels = new ReadModelDatabase(readModelFile);
    runner = new ProjectionRunner(store, readModels, countingProjection(), logger);
    expect(runner.checkpoint).toBe(last.position);
    runner.start();
    await runner.waitForPosition(whileDown.position);
    const live = counts(readModels);
    expect(live).toEqual({ 'counted-a': 3, 'counted-b': 1, 'counted-c': 1 });

    // A new projection version rebuilds from position 0 and arrives at the same model.
    await runner.stop();
    runner = new ProjectionRunner(store, readModels, countingProjection(2), logger);
    expect(runner.checkpoint).toBe(0);
    runner.start();
    await runner.waitForPosition(whileDown.position);
    expect(counts(readModels)).toEqual(live);
    await runner.stop();
    await readModels.close();
    await store.close();
  });

  it('applies thousands of events in batches and times out a wait for a position it never reaches', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const readModels = new ReadModelDatabase(':memory:');
    const runner = new ProjectionRunner(store, readModels, countingProjection(), logger, { maxBatch: 100 });
    runner.start();
    let last = 0;
    for (let i = 0; i < 50; i++) last = (await store.appendToStream(`counted-${i % 5}`, Array.from({ length: 100 }, () => ev()))).position;
    await runner.waitForPosition(last);
    expect(Object.values(counts(readModels)).reduce((a, b) => a + b, 0)).toBe(5_000);
    await expect(runner.waitForPosition(last + 1_000, 50)).rejects.toBeInstanceOf(ProjectionTimeout);
    await runner.stop();
    await store.close();
  });

  it('stops on an event it cannot apply, leaving the batch unapplied, and reports it to waiters', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const readModels = new ReadModelDatabase(':memory:');
    const runner = new ProjectionRunner(store, readModels, countingProjection(), logger);
    runner.start();
    const fine = await store.appendToStream('counted-a', [ev()]);
    await runner.waitForPosition(fine.position);
    const poisoned = await store.appendToStream('counted-a', [ev(), ev('Poison')]);
    await expect(runner.waitForPosition(poisoned.position)).rejects.toThrow(/failed to apply/);
    expect(counts(readModels)).toEqual({ 'counted-a': 1 });
    expect(runner.error).toBeDefined();
    await runner.stop();
    await store.close();
  });
});
