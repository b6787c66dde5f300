/**
 * The delivery benchmark: events published through the GraphQL API of a real
 * hookgate server (embedded SQLite store, its own process), each fanned out to
 * one webhook per local receiver, measured from the publish request to the
 * receiver having read the request: deliveries/s and publish-to-receipt
 * p50/p99. Beside it, in the same run and against the same receivers, the
 * bare sender (bench/delivery-bare-sender.ts): signed POSTs with undici
 * `request` over a keep-alive pool at the same concurrency, no store; it runs
 * before and after hookgate, and the ratio is to the mean of the two.
 *
 *   npx tsx bench/delivery.ts                    (2,000 events × 10 webhooks = 20,000 deliveries)
 *   BENCH_EVENTS=500 BENCH_RECEIVERS=5 BENCH_PUBLISHERS=8 BENCH_CONCURRENCY=128 npx tsx bench/delivery.ts
 *
 * The server runs as `npm start` runs it: compiled (bench/support/server-entry.ts
 * builds it first); BENCH_SERVER=source runs the TypeScript through tsx instead.
 *
 * BENCH_SERVER_CPU_PROF=<folder> writes a CPU profile of the server's measured
 * phase there (bench/support/cpu-profile-hook.mjs); BENCH_SERVER_NODE_OPTIONS
 * passes other Node options to the server.
 *
 * Before the measured events, BENCH_WARMUP_EVENTS (default 3,000) are published
 * the same way and delivered, not counted: a server keeps compiling its hot
 * paths for tens of thousands of deliveries after it starts (V8's optimising
 * compiler, on a thread of its own, and the SQLite page cache), and a gateway
 * runs for days. After 1,000 warm-up events the compiler still took ~55 µs of
 * CPU per measured delivery, after 3,000 ~18. The bare sender gets a warm-up
 * run of as many POSTs as hookgate's warm-up makes deliveries.
 *
 * BENCH_PUBLISHERS (default 4) GraphQL publishes are in flight at once; more
 * than the server can deliver behind makes a backlog, and the latency then
 * measures the backlog rather than the path.
 *
 * Processes: this one publishes (and runs the bare loop); the server; the
 * receivers (node:http, verifying every request with standardwebhooks) in a
 * child process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startReceiver, type WebhookReceiver } from '../test/support/receivers/webhook-receiver.js';
import { startServerProcess, type ServerEntry } from '../test/support/server-process.js';
import { serverEntry } from './support/server-entry.js';
import { runBareSender, type SenderRunResult } from './delivery-bare-sender.js';
import { processCpuMicros, threadCpuMicros } from './support/proc-cpu.js';

const RECEIVERS_FLAG = '--receivers';
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;

type ToReceivers = { secrets: string[][] } | 'tally' | 'reset' | 'close';
type FromReceivers =
  | { urls: string[] }
  | { ok: true }
  | { verified: number; unverified: number; receipts: [number, number][] };

/** `epoch ms` with sub-millisecond precision, comparable across processes on one machine. */
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- receivers (child process)

async function serveReceivers(count: number, bareSecret: string): Promise<void> {
  let verified = 0;
  let unverified = 0;
  let receipts: [number, number][] = [];
  const receivers: WebhookReceiver[] = await Promise.all(
    Array.from({ length: count }, () =>
      startReceiver({
        secrets: [bareSecret],
        record: false,
        onRequest: (received) => {
          // The automatic webhook.test is not part of the measure.
          if (received.body.includes('"type":"webhook.test"')) return;
          if (received.verified) verified++;
          else unverified++;
          const n = /"n":(\d+)/.exec(received.body);
          if (n) receipts.push([Number(n[1]), received.receivedAt]);
        },
      }),
    ),
  );
  process.on('message', (message: ToReceivers) => {
    if (message === 'tally') {
      process.send?.({ verified, unverified, receipts } satisfies FromReceivers);
    } else if (message === 'reset') {
      verified = 0;
      unverified = 0;
      receipts = [];
      process.send?.({ ok: true } satisfies FromReceivers);
    } else if (message === 'close') {
      void Promise.all(receivers.map((receiver) => receiver.close())).then(() => process.disconnect());
    } else {
      message.secrets.forEach((secrets, i) => receivers[i]!.setSecrets(secrets));
      process.send?.({ ok: true } satisfies FromReceivers);
    }
  });
  process.send?.({ urls: receivers.map((receiver) => receiver.url) } satisfies FromReceivers);
}

function ask(child: ChildProcess, message: ToReceivers | null): Promise<FromReceivers> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`receiver process exited (${code})`));
    child.once('exit', exited);
    child.once('message', (answer) => {
      child.off('exit', exited);
      resolve(answer as FromReceivers);
    });
    if (message !== null) child.send(message);
  });
}

// ---------------------------------------------------------------- the gateway run

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function graphql(agent: Agent, url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await request(`${url}/graphql`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.body.json()) as { data?: any; errors?: { message: string }[] };
  if (answer.errors) throw new Error(answer.errors.map((e) => e.message).join('; '));
  return answer.data;
}

interface GatewayResult {
  deliveries: number;
  seconds: number;
  perSecond: number;
  publishPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  verified: number;
  unverified: number;
  /** CPU time (user + system, all threads) of the server process over the measured phase, per delivery; null off Linux. */
  serverCpuMicrosPerDelivery: number | null;
  /** The same by thread (`name#tid`, the main thread as `main`), largest first. */
  serverCpuByThread: (readonly [string, number])[];
}

async function runGateway(
  receiversProcess: ChildProcess,
  urls: string[],
  options: { events: number; warmUpEvents: number; concurrency: number; publishers: number; server: ServerEntry },
): Promise<GatewayResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-bench-'));
  const profileDir = process.env['BENCH_SERVER_CPU_PROF'] && resolve(process.env['BENCH_SERVER_CPU_PROF']);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const serverNodeOptions = [
    process.env['BENCH_SERVER_NODE_OPTIONS'],
    profileDir && `--import ${fileURLToPath(new URL('./support/cpu-profile-hook.mjs', import.meta.url))}`,
  ]
    .filter(Boolean)
    .join(' ');
  const server = await startServerProcess({
    HOOKGATE_DATA_DIR: dataDir,
    HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    HOOKGATE_ALLOW_HTTP: 'true',
    HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKGATE_DELIVERY_CONCURRENCY: String(options.concurrency),
    HOOKGATE_DELIVERY_CONCURRENCY_PER_WEBHOOK: String(Math.max(1, Math.ceil(options.concurrency / urls.length) * 2)),
    NODE_ENV: 'production',
    ...(serverNodeOptions && { NODE_OPTIONS: serverNodeOptions }),
    ...(profileDir && { BENCH_CPU_PROFILE_DIR: profileDir }),
  }, 60_000, options.server);
  const agent = new Agent({ connections: options.publishers, keepAliveTimeout: 10_000 });
  try {
    const tenant = await graphql(agent, server.url, ADMIN_TOKEN, `mutation { createTenant(input: { name: "bench" }) { apiKey } }`);
    const key = tenant.createTenant.apiKey as string;
    const secrets: string[][] = [];
    const ids: string[] = [];
    for (const url of urls) {
      const created = await graphql(
        agent,
        server.url,
        key,
        `mutation($url: String!) { createWebhook(input: { url: $url, filters: { eventTypes: ["bench.*"] } }) { signingSecret webhook { id } } }`,
        { url },
      );
      secrets.push([created.createWebhook.signingSecret]);
      ids.push(created.createWebhook.webhook.id);
    }
    await ask(receiversProcess, { secrets });
    for (const id of ids) {
      for (let i = 0; ; i++) {
        const { webhook } = await graphql(agent, server.url, key, `query($id: ID!) { webhook(id: $id) { state } }`, { id });
        if (webhook.state === 'VALID') break;
        if (i > 400) throw new Error(`webhook ${id} stayed ${webhook.state}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    const publish = (n: number) =>
      graphql(agent, server.url, key, `mutation($input: PublishEventInput!) { publishEvent(input: $input) { message { id } } }`, {
        input: { type: 'bench.event', payload: { n, orderId: `o-${n}`, lines: [{ sku: 'a', qty: 1 }] } },
      });
    // Warm-up (JIT, connections, SQLite caches), published as the measured run is, not counted; then forget its receipts.
    const warmUp = options.warmUpEvents;
    let warmNext = 0;
    await Promise.all(
      Array.from({ length: options.publishers }, async () => {
        while (warmNext < warmUp) await publish(1_000_000 + warmNext++);
      }),
    );
    const expectedWarm = warmUp * urls.length;
    for (;;) {
      const tally = (await ask(receiversProcess, 'tally')) as Extract<FromReceivers, { receipts: unknown }>;
      if (tally.receipts.length >= expectedWarm) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await ask(receiversProcess, 'reset');

    const publishedAt = new Float64Array(options.events);
    let next = 0;
    if (profileDir) server.child.kill('SIGUSR2');
    const cpuBefore = processCpuMicros(server.child.pid);
    const threadsBefore = threadCpuMicros(server.child.pid);
    const started = now();
    await Promise.all(
      Array.from({ length: options.publishers }, async () => {
        while (next < options.events) {
          const n = next++;
          publishedAt[n] = now();
          await publish(n);
        }
      }),
    );
    const publishSeconds = (now() - started) / 1000;
    const expected = options.events * urls.length;
    let tally: Extract<FromReceivers, { receipts: unknown }>;
    const deadline = Date.now() + 300_000;
    for (;;) {
      tally = (await ask(receiversProcess, 'tally')) as Extract<FromReceivers, { receipts: unknown }>;
      if (tally.receipts.length >= expected) break;
      if (Date.now() > deadline) throw new Error(`only ${tally.receipts.length} of ${expected} deliveries arrived`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const cpuAfter = processCpuMicros(server.child.pid);
    const threadsAfter = threadCpuMicros(server.child.pid);
    const perThread = [...threadsAfter]
      .map(([thread, micros]) => [thread, (micros - (threadsBefore.get(thread) ?? 0)) / tally.receipts.length] as const)
      .filter(([, micros]) => micros >= 1)
      .sort((a, b) => b[1] - a[1]);
    // First receipt of each (event, receiver): a retried duplicate would not count twice.
    const latencies = tally.receipts.map(([n, at]) => at - publishedAt[n]!).sort((a, b) => a - b);
    const last = Math.max(...tally.receipts.map(([, at]) => at));
    const seconds = (last - started) / 1000;
    return {
      deliveries: tally.receipts.length,
      seconds,
      perSecond: tally.receipts.length / seconds,
      publishPerSecond: options.events / publishSeconds,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      verified: tally.verified,
      unverified: tally.unverified,
      serverCpuMicrosPerDelivery:
        cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / tally.receipts.length,
      serverCpuByThread: perThread,
    };
  } finally {
    await agent.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const events = Number(process.env['BENCH_EVENTS'] ?? 2_000);
  const receiverCount = Number(process.env['BENCH_RECEIVERS'] ?? 10);
  const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
  const publishers = Number(process.env['BENCH_PUBLISHERS'] ?? 4);
  const warmUpEvents = Number(process.env['BENCH_WARMUP_EVENTS'] ?? 3_000);
  const server = serverEntry();
  const bareSecret = `whsec_${randomBytes(32).toString('base64')}`;

  // Each phase gets receivers of its own: receivers that served one sender's requests are slower for
  // the next sender's (their compiled code fits the first one's headers), which would favour whoever goes first.
  const withReceivers = async <T>(run: (child: ChildProcess, urls: string[]) => Promise<T>): Promise<T> => {
    const child = fork(fileURLToPath(import.meta.url), [RECEIVERS_FLAG, String(receiverCount)], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_SECRET: bareSecret },
    });
    const started = await ask(child, null);
    if (!('urls' in started)) throw new Error('the receiver process did not start');
    try {
      return await run(child, started.urls);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    }
  };

  console.log(
    `hookgate delivery benchmark: ${fmt(events)} events × ${receiverCount} webhooks = ${fmt(events * receiverCount)} deliveries, ` +
      `delivery concurrency ${concurrency}, ${publishers} concurrent publishers, after ${fmt(warmUpEvents)} warm-up events; node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
  );

  const total = events * receiverCount;
  const runBare = (label: string): Promise<SenderRunResult> =>
    withReceivers(async (_child, urls) => {
      await runBareSender({ urls, total: warmUpEvents * receiverCount, concurrency, secret: bareSecret });
      const bare = await runBareSender({ urls, total, concurrency, secret: bareSecret });
      console.log(
        `${`bare undici sender (no store, ${label})`.padEnd(39)}${fmt(bare.perSecond).padStart(7)} deliveries/s   request p50 ${fmt(bare.p50Ms, 1)} ms  p99 ${fmt(bare.p99Ms, 1)} ms` +
          `   (CPU ${fmt(bare.cpuMicrosPerDelivery)} µs per delivery)`,
      );
      return bare;
    });
  // The bare loop runs before and after hookgate and the ratio takes their mean: this machine's speed
  // drifts over tens of seconds, and one bare run beside a longer hookgate run would measure the drift.
  const bareBefore = await runBare('before');
  const gateway = await withReceivers((child, urls) =>
    runGateway(child, urls, { events, warmUpEvents, concurrency, publishers, server }),
  );
  console.log(
    `hookgate (GraphQL publish → receipt)   ${fmt(gateway.perSecond).padStart(7)} deliveries/s   publish-to-receipt p50 ${fmt(gateway.p50Ms, 1)} ms  p99 ${fmt(gateway.p99Ms, 1)} ms` +
      `   (${fmt(gateway.publishPerSecond)} publishes/s; ${fmt(gateway.verified)} verified, ${fmt(gateway.unverified)} not)`,
  );
  if (gateway.serverCpuMicrosPerDelivery !== null) {
    const threads = gateway.serverCpuByThread.map(([thread, micros]) => `${thread.replace(/#\d+$/, '')} ${fmt(micros)}`).join(', ');
    console.log(
      `hookgate server CPU (all threads, measured phase): ${fmt(gateway.serverCpuMicrosPerDelivery)} µs per delivery  (by thread: ${threads})`,
    );
  }
  const bareAfter = await runBare('after');
  const bareRate = (bareBefore.perSecond + bareAfter.perSecond) / 2;
  console.log(
    `hookgate / bare (mean of before and after, ${fmt(bareRate)}/s): ${(gateway.perSecond / bareRate).toFixed(2)}  (target ≥ 0.40; p99 target < 250 ms)`,
  );
}

const runDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (runDirectly && process.argv[2] === RECEIVERS_FLAG) {
  void serveReceivers(Number(process.argv[3]), process.env['BENCH_SECRET'] ?? '');
} else if (runDirectly) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
