/**
 * The GraphQL API under load, beside a bare graphql-yoga server measured in the same run.
 *
 *   npm run bench:api
 *   BENCH_WEBHOOKS=10000 BENCH_CONNECTIONS=50 BENCH_DURATION=10 BENCH_ROUNDS=3 npm run bench:api
 *   BENCH_CPU_PROF=/tmp/prof npm run bench:api      (a CPU profile of the hookgate process)
 *   BENCH_SERVER=source npm run bench:api           (hookgate from its TypeScript sources, not the build)
 *   BENCH_OPS=bare,create npm run bench:api         (only these of bare, typename, create, query; with
 *                                                    BENCH_CPU_PROF, profile one operation without the others)
 *
 * hookgate runs as its own process, exactly as `npm start` runs it (compiled: node dist/src/main.js), on a
 * fresh embedded store in a temporary directory; the baseline (a bare yoga answering `{ __typename }`) runs
 * as another process started the same way; autocannon runs here. On a 2-core machine the server under load
 * and the load generator each keep about one core, for hookgate and the baseline alike; in one process they
 * would share one event loop and measure each other. Only one server is under load at a time, and the
 * measurements alternate in rounds (the order flipping each round) so that load from elsewhere on the
 * machine weighs on all of them; the table shows each figure's median over the rounds. Beside requests/s it
 * shows the CPU time the server process spent per request (from /proc), which other work on the machine
 * disturbs much less than throughput.
 *
 * The store is seeded with BENCH_WEBHOOKS webhooks through createWebhook itself, 50 at a time: nine in ten
 * product-level over 100 products, the rest tenant-level. Every answer is checked for GraphQL errors, and
 * the webhooks stored are counted against the createWebhook answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { print } from 'graphql';
import { CreateTenantDocument, CreateWebhookDocument, WebhooksDocument } from '../test/generated/graphql.js';
import { startServerProcess, type ServerProcess } from '../test/support/server-process.js';
import { processCpuMicros } from './support/proc-cpu.js';
import { serverEntry } from './support/server-entry.js';

const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const OPERATIONS = ['bare', 'typename', 'create', 'query'] as const;
const SELECTED = (process.env.BENCH_OPS ?? OPERATIONS.join(',')).split(',').map((op) => op.trim());
const unknownOperation = SELECTED.find((op) => !(OPERATIONS as readonly string[]).includes(op));
if (unknownOperation) throw new Error(`BENCH_OPS: unknown operation ${unknownOperation} (known: ${OPERATIONS.join(', ')})`);
const PRODUCTS = 100;
/** hookgate as `npm start` runs it (compiled first), or from its sources with BENCH_SERVER=source. */
const HOOKGATE_ENTRY = serverEntry();
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
/** A directory to write a CPU profile of the hookgate process into (node --cpu-prof), e.g. to see where time goes. */
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;

// Receivers under .invalid never resolve: nothing leaves the machine.
const RECEIVER = 'https://receiver.invalid/hooks';
const createBody = (filters: Record<string, unknown>) =>
  JSON.stringify({
    query: print(CreateWebhookDocument),
    variables: {
      input: {
        url: RECEIVER,
        filters,
        auth: { type: 'BASIC', username: 'bench', password: 'bench-password' },
        headers: [{ name: 'X-Bench', value: '1' }],
      },
    },
  });
const FILTERED_QUERY = JSON.stringify({
  query: `query Filtered($filter: WebhookFilter, $first: Int) {
    webhooks(filter: $filter, first: $first) { totalCount edges { cursor node { id url state productId filters { clouds eventTypes } createdAt updatedAt version } } pageInfo { hasNextPage endCursor } }
  }`,
  variables: { filter: { states: ['NEW', 'VALID', 'INVALID'], productId: 'product-7' }, first: 20 },
});
const TYPENAME = JSON.stringify({ query: '{ __typename }' });

/** A GraphQL error still answers 200, so every answer body is checked (the same cheap check for every server). */
const noErrors = (body: string | Buffer | undefined) => body !== undefined && !String(body).includes('"errors"');

async function post(url: string, token: string, body: string): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const json = (await response.json()) as { data?: unknown; errors?: unknown };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
  return json.data;
}

interface Load {
  url: string;
  token?: string;
  body?: string;
  setupRequest?: autocannon.Request['setupRequest'];
  amount?: number;
}

async function load({ url, token, body, setupRequest, amount }: Load): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `${url}/graphql`,
    connections: CONNECTIONS,
    ...(amount ? { amount } : { duration: DURATION }),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    ...(body && { body }),
    ...(setupRequest && { requests: [{ setupRequest }] }),
    verifyBody: noErrors,
  });
  const failed = result.errors + result.timeouts + result.non2xx + result.mismatches;
  if (failed > 0) {
    throw new Error(`${failed} failed requests (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, GraphQL errors ${result.mismatches})`);
  }
  return result;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) the server process spent per answered request; NaN where /proc is missing. */
  cpuMs: number;
}

/** CPU time a process has used so far, in ms, from /proc (Linux); NaN elsewhere. */
const cpuTimeMs = (pid: number | undefined): number => (processCpuMicros(pid) ?? Number.NaN) / 1_000;

/** The median of each figure over the rounds: one disturbed round does not move it much. */
function median(samples: Sample[]): Sample {
  const mid = (pick: (s: Sample) => number) => {
    const sorted = samples.map(pick).sort((a, b) => a - b);
    const half = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  };
  return { rps: mid((s) => s.rps), p50: mid((s) => s.p50), p99: mid((s) => s.p99), cpuMs: mid((s) => s.cpuMs) };
}

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-bench-api-'));
  let hookgate: ServerProcess | undefined;
  let bare: ServerProcess | undefined;
  try {
    hookgate = await startServerProcess(
      {
        NODE_ENV: 'production', // no GraphiQL, no default tenant: as deployed
        HOOKGATE_DATA_DIR: dataDir,
        HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      },
      60_000,
      { ...HOOKGATE_ENTRY, execArgv: CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [] },
    );
    // Production mode for both: graphql-js checks less in it (instanceOf), and hookgate runs so when deployed.
    bare = await startServerProcess({ NODE_ENV: 'production' }, 60_000, { from: 'script', path: 'bench/support/bare-yoga-server.ts' });

    const tenant = await post(hookgate.url, ADMIN_TOKEN, JSON.stringify({ query: print(CreateTenantDocument), variables: { input: { name: 'bench' } } }));
    const apiKey: string = tenant.createTenant.apiKey;

    // 10,000 webhooks through the API: nine in ten product-level over PRODUCTS products, the rest tenant-level.
    let seeded = 0;
    const seedStart = performance.now();
    await load({
      url: hookgate.url,
      token: apiKey,
      amount: WEBHOOKS,
      setupRequest: (request) => {
        const i = seeded++;
        const filters = i % 10 === 9 ? { clouds: ['AWS', 'GCP'] } : { productId: `product-${i % PRODUCTS}`, eventTypes: ['order.*'] };
        return { ...request, body: createBody(filters) };
      },
    });
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const count = async () => (await post(hookgate!.url, apiKey, JSON.stringify({ query: print(WebhooksDocument), variables: { first: 1 } }))).webhooks.totalCount as number;
    const stored = await count();
    if (stored !== WEBHOOKS) throw new Error(`seeded ${stored} webhooks, expected ${WEBHOOKS}`);
    console.log(`seeded ${number(stored)} webhooks through createWebhook in ${number(seedSeconds, 1)} s (${number(stored / seedSeconds)}/s)`);

    const samples = { bare: [] as Sample[], typename: [] as Sample[], create: [] as Sample[], query: [] as Sample[] };
    const allRuns: [keyof typeof samples, ServerProcess, () => Promise<autocannon.Result>][] = [
      ['bare', bare, () => load({ url: bare!.url, body: TYPENAME })],
      ['typename', hookgate, () => load({ url: hookgate!.url, token: apiKey, body: TYPENAME })],
      ['create', hookgate, () => load({ url: hookgate!.url, token: apiKey, body: createBody({ eventTypes: ['order.*'], clouds: ['AWS'] }) })],
      ['query', hookgate, () => load({ url: hookgate!.url, token: apiKey, body: FILTERED_QUERY })],
    ];
    const runs = allRuns.filter(([name]) => SELECTED.includes(name));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? runs : [...runs].reverse();
      for (const [name, server, run] of order) {
        const before = name === 'create' ? await count() : 0;
        const cpuBefore = cpuTimeMs(server.child.pid);
        const result = await run();
        const cpuMs = (cpuTimeMs(server.child.pid) - cpuBefore) / result.requests.total;
        if (name === 'create') {
          // Requests still in flight when the run stopped are stored too, but not counted as answered.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          const created = (await count()) - before;
          if (created < result['2xx'] || created > result.requests.sent) {
            throw new Error(`${result['2xx']} createWebhook answers (${result.requests.sent} sent), but ${created} webhooks stored`);
          }
        }
        samples[name].push({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpuMs });
        console.log(
          `round ${round + 1} ${name.padEnd(8)} ${number(result.requests.average)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  ${number(cpuMs, 3)} ms CPU/request`,
        );
      }
    }

    if (ROUNDS === 0 || runs.length === 0) return;
    const baseline = samples.bare.length > 0 ? median(samples.bare) : undefined;
    const rows = (
      [
        ['bare graphql-yoga `{ __typename }`', samples.bare],
        ['hookgate `{ __typename }` (with an API key)', samples.typename],
        ['createWebhook', samples.create],
        ['webhooks (states + productId, first: 20)', samples.query],
      ] as const
    )
      .filter(([, taken]) => taken.length > 0)
      .map(([name, taken]): [string, Sample] => [name, median(taken)]);
    console.log(`\n${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${CONNECTIONS} connections, median of ${ROUNDS} rounds of ${DURATION} s, ${number(WEBHOOKS)}+ webhooks stored\n`);
    console.log('| operation | requests/s | p50 ms | p99 ms | server CPU ms/request | requests/s of bare yoga |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, s] of rows) {
      const ofBare = baseline ? number(s.rps / baseline.rps, 2) : '–';
      console.log(`| ${name} | ${number(s.rps)} | ${number(s.p50, 1)} | ${number(s.p99, 1)} | ${number(s.cpuMs, 3)} | ${ofBare} |`);
    }
  } finally {
    await Promise.all([hookgate?.stop(), bare?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
