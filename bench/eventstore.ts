/**
 * Embedded event store against bare better-sqlite3 on the same rows, same
 * schema, same machine, same run. Prints rates and the adapter/bare ratio.
 *
 *   npm run bench:eventstore            (1,000,000 events)
 *   BENCH_EVENTS=200000 npm run bench:eventstore
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewEvent } from '../src/eventstore/event-store.js';
import { startBackgroundCheckpoints } from '../src/eventstore/sqlite/background-checkpoints.js';
import { EVENT_COLUMNS, INSERT_EVENT_SQL, migrateEventsSchema } from '../src/eventstore/sqlite/schema.js';
import { SqliteEventStore } from '../src/eventstore/sqlite/sqlite-event-store.js';
import { applyWalPragmas } from '../src/eventstore/sqlite/wal-pragmas.js';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SINGLE_APPENDS = Number(process.env.BENCH_SINGLE_APPENDS ?? 20_000);
const BATCH = 100;
const STREAMS = 1_000;

const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-'));
const store = new SqliteEventStore({ filename: join(dir, 'adapter.db') });
const bare = new Database(join(dir, 'bare.db'));
applyWalPragmas(bare); // the adapter's WAL settings and checkpoints, so that both sides write alike
bare.pragma('synchronous = NORMAL');
migrateEventsSchema(bare);
const bareCheckpoints = startBackgroundCheckpoints(bare);
const bareInsert = bare.prepare(INSERT_EVENT_SQL);

function sampleData(i: number) {
  return {
    webhookId: `wh_${i % STREAMS}`,
    url: 'https://receiver.example.com/hooks',
    state: 'VALID',
    attempt: i % 8,
    statusCode: 200,
  };
}
const metadata = { tenantId: 'tenant-bench', actor: 'key:bench', correlationId: randomUUID() };
const dataJson = (i: number) => JSON.stringify(sampleData(i));
const metadataJson = JSON.stringify(metadata);

function newEvent(i: number): NewEvent {
  return { id: randomUUID(), type: 'DeliveryAttempted', data: sampleData(i), metadata };
}

/** Pre-made ids and bodies keep uuid generation out of both timings. */
function prepare(count: number, from: number) {
  return Array.from({ length: count }, (_, k) => newEvent(from + k));
}

type BareRow = readonly [string, number, string, string, string, string, number];

const bareRevisions = new Map<string, number>();
function bareRows(events: NewEvent[], stream: string) {
  let revision = bareRevisions.get(stream) ?? -1;
  const rows = events.map((e, k) => [stream, ++revision, e.id, e.type, dataJson(k), metadataJson, Date.now()] as const);
  bareRevisions.set(stream, revision);
  return rows;
}

const bareAppend = bare.transaction((rows: readonly BareRow[]) => {
  for (const row of rows) bareInsert.run(...row);
});

const ROUNDS = 10;

interface Side {
  /** Untimed: makes the round's rows. */
  prepare(round: number): void;
  /** Timed: writes them; returns how many events it wrote. */
  run(): Promise<number> | number;
}

/**
 * Both sides run in alternating rounds (the order flipping each round) so that
 * load from elsewhere on the machine and table growth weigh on both alike.
 */
async function alternate(rounds: number, bareSide: Side, adapterSide: Side): Promise<{ adapter: number; bare: number }> {
  const totals = { bare: { ns: 0n, count: 0 }, adapter: { ns: 0n, count: 0 } };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['bare', 'adapter'] as const) : (['adapter', 'bare'] as const);
    for (const name of order) {
      const side = name === 'bare' ? bareSide : adapterSide;
      side.prepare(round);
      const start = process.hrtime.bigint();
      totals[name].count += await side.run();
      totals[name].ns += process.hrtime.bigint() - start;
    }
  }
  const perSecond = (t: { ns: bigint; count: number }) => t.count / (Number(t.ns) / 1e9);
  return { adapter: perSecond(totals.adapter), bare: perSecond(totals.bare) };
}

/** `batchSize` events per append, `appends` appends in all, spread over the streams. */
function appendSides(appends: number, batchSize: number, offset: number): [Side, Side] {
  const perRound = Math.ceil(appends / ROUNDS);
  let bareBatches: BareRow[][] = [];
  let adapterBatches: NewEvent[][] = [];
  const streamOf = (k: number) => `bench-${k % STREAMS}`;
  const bareSide: Side = {
    prepare(round) {
      bareBatches = Array.from({ length: perRound }, (_, k) =>
        bareRows(prepare(batchSize, offset + (round * perRound + k) * batchSize), streamOf(k)),
      );
    },
    run() {
      for (const rows of bareBatches) bareAppend(rows);
      return perRound * batchSize;
    },
  };
  const adapterSide: Side = {
    prepare(round) {
      adapterBatches = Array.from({ length: perRound }, (_, k) =>
        prepare(batchSize, offset + (round * perRound + k) * batchSize),
      );
    },
    async run() {
      for (let k = 0; k < adapterBatches.length; k++) await store.appendToStream(streamOf(k), adapterBatches[k]!);
      return perRound * batchSize;
    },
  };
  return [bareSide, adapterSide];
}

async function appends(count: number, batchSize: number, offset: number) {
  return alternate(ROUNDS, ...appendSides(count, batchSize, offset));
}

const READ_PASSES = 3;

/** Whole-log reads, alternating sides; the first pass of each side also warms the JIT. */
async function reads(): Promise<{ readAll: { adapter: number; bare: number }; subscription: { adapter: number; bare: number }; count: number }> {
  const bareSelect = bare.prepare(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY position`);
  let count = 0;
  const bareSide: Side = {
    prepare() {},
    run() {
      let n = 0;
      for (const row of bareSelect.iterate()) if (row) n++;
      return n;
    },
  };
  const readAllSide: Side = {
    prepare() {},
    async run() {
      let n = 0;
      for await (const event of store.readAll()) if (event) n++;
      count = n;
      return n;
    },
  };
  const subscriptionSide: Side = {
    prepare() {},
    async run() {
      const sub = store.subscribeToAll();
      let n = 0;
      for await (const message of sub) {
        if (message.kind === 'event') n++;
        else break;
      }
      await sub.unsubscribe();
      return n;
    },
  };
  const readAll = await alternate(READ_PASSES, bareSide, readAllSide);
  const subscription = await alternate(READ_PASSES, bareSide, subscriptionSide);
  return { readAll, subscription, count };
}

const results: [string, number, number][] = [];
function record(name: string, r: { adapter: number; bare: number }) {
  results.push([name, r.adapter, r.bare]);
  console.log(`${name.padEnd(34)} adapter ${fmt(r.adapter)}/s   bare ${fmt(r.bare)}/s   ratio ${(r.adapter / r.bare).toFixed(2)}`);
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);

console.log(`hookgate event store benchmark: ${TOTAL.toLocaleString('en-US')} events, node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`);
// Untimed warm-up so that neither side is measured while the JIT is still compiling it.
await appends(2_000, 1, 0);
record('single-event appends (empty table)', await appends(SINGLE_APPENDS, 1, 0));
const batches = Math.max(0, Math.floor((TOTAL - 2 * SINGLE_APPENDS) / BATCH));
const half = Math.floor(batches / 2);
record(`batched appends ×${BATCH} (first half)`, await appends(half, BATCH, SINGLE_APPENDS));
record(`batched appends ×${BATCH} (second half)`, await appends(batches - half, BATCH, SINGLE_APPENDS + half * BATCH));
record('single-event appends (full table)', await appends(SINGLE_APPENDS, 1, TOTAL));
const read = await reads();
record(`read-all of ${read.count.toLocaleString('en-US')} events`, read.readAll);
record('subscription catch-up', read.subscription);

await store.close();
await bareCheckpoints.stop();
bare.close();
rmSync(dir, { recursive: true, force: true });
