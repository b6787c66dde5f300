import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';

const dir = mkdtempSync(join(tmpdir(), 'hookgate-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps every acknowledged append, whole, after a kill -9 in the middle of writing', async () => {
  const filename = join(dir, 'events.db');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/append-until-killed.ts', filename], {
    cwd: new URL('../../', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acknowledged: { stream: string; revision: number; eventId: string }[] = [];
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [, stream, revision, eventId] = line.split(' ');
      acknowledged.push({ stream: stream!, revision: Number(revision), eventId: eventId! });
      if (acknowledged.length === 3_000) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await exited;

  const store = new SqliteEventStore({ filename });
  try {
    for (const ack of acknowledged.slice(-50)) {
      const { events } = await store.readStream(ack.stream, { fromRevision: ack.revision, maxCount: 1 });
      expect(events[0]?.id).toBe(ack.eventId);
    }
    const streams = new Map<string, number>();
    for (const ack of acknowledged) streams.set(ack.stream, Math.max(streams.get(ack.stream) ?? -1, ack.revision));
    for (const [stream, lastAcked] of streams) {
      const { events } = await store.readStream(stream);
      expect(events.length).toBeGreaterThanOrEqual(lastAcked + 1);
      // Batches are atomic: each append of n events left all n or none.
      expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      const perAppend = new Map<number, number>();
      for (const e of events) perAppend.set((e.data as { i: number }).i, (perAppend.get((e.data as { i: number }).i) ?? 0) + 1);
      for (const [i, count] of perAppend) expect(count).toBe(1 + (i % 3));
    }
  } finally {
    await store.close();
  }
});
