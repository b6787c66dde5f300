import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WrongExpectedVersion } from '../../src/eventstore/errors.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';

const event = (type = 'Happened') => ({ id: randomUUID(), type, data: { at: Date.now() } });

describe('SQLite group commit (appends made in one turn share a transaction)', () => {
  it('keeps each append’s own expected-revision check and outcome', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    try {
      await store.appendToStream('existing', [event()]);
      // Made in one turn, so committed together.
      const results = await Promise.allSettled([
        store.appendToStream('a', [event(), event()], { expectedRevision: 'no_stream' }),
        store.appendToStream('existing', [event()], { expectedRevision: 'no_stream' }),
        store.appendToStream('b', [event()], { expectedRevision: 'no_stream' }),
        store.appendToStream('a', [event()], { expectedRevision: 1 }),
        store.appendToStream('a', [event()], { expectedRevision: 1 }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersion);
      expect((results[4] as PromiseRejectedResult).reason).toMatchObject({ expected: 1, actual: 2 });
      expect((results[3] as PromiseFulfilledResult<{ nextRevision: number }>).value.nextRevision).toBe(2);
      expect((await store.readStream('a')).events.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect((await store.readStream('existing')).events).toHaveLength(1);
      expect((await store.readStream('b')).events).toHaveLength(1);
      const positions = [];
      for await (const recorded of store.readAll()) positions.push(recorded.position);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      expect(positions).toHaveLength(5);
    } finally {
      await store.close();
    }
  });

  it('leaves no row of a new stream whose second event repeats a stored id, and answers a repeated new-stream append as stored', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    try {
      const stored = event();
      await store.appendToStream('first', [stored], { expectedRevision: 'no_stream' });
      const batch = [event(), event()];
      const results = await Promise.allSettled([
        store.appendToStream('second', [event(), { ...stored }], { expectedRevision: 'no_stream' }),
        store.appendToStream('third', batch, { expectedRevision: 'no_stream' }),
        store.appendToStream('third', batch, { expectedRevision: 'no_stream' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect((results[2] as PromiseFulfilledResult<unknown>).value).toEqual((results[1] as PromiseFulfilledResult<unknown>).value);
      expect((await store.readStream('second')).streamExists).toBe(false);
      expect((await store.readStream('third')).events.map((e) => e.id)).toEqual(batch.map((e) => e.id));
      const all = [];
      for await (const recorded of store.readAll()) all.push(recorded.streamName);
      expect(all).toEqual(['first', 'third', 'third']);
    } finally {
      await store.close();
    }
  });

  it('commits appends still waiting when the store closes', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const pending = store.appendToStream('late', [event()]);
    await store.close();
    await expect(pending).resolves.toMatchObject({ nextRevision: 0 });
    await expect(store.appendToStream('later', [event()])).rejects.toThrow(/closed/);
  });
});
