/**
 * Live subscriptions: hookgate's `webhookChanged` against a bare graphql-ws
 * server (same ws + useServer, a one-field schema pushing payloads of the same
 * size), same subscribers, same changes, same run. The servers run in this
 * process; the subscribers and the changes run in a child process, so the
 * server's event loop serves only the server, and every latency is measured
 * on one clock (the child's): from sending a change to receiving it.
 *
 *   npm run bench:subscriptions
 *   BENCH_SUBSCRIBERS=1000 BENCH_CHANGES=1000 BENCH_BURST=2 BENCH_ROUNDS=4 npm run bench:subscriptions
 *
 * Changes come in bursts of BENCH_BURST concurrent changes; the next burst
 * starts once every subscriber received the previous one. Both servers stay
 * up and connected, and take turns in BENCH_ROUNDS rounds of
 * BENCH_CHANGES / BENCH_ROUNDS changes each, so that a busy machine (other
 * processes on the same cores) weighs on both alike.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphQLID, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 1_000);
const BURST = Number(process.env.BENCH_BURST ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WARMUP_CHANGES = 20;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

const WEBHOOK_CHANGED = `subscription {
  webhookChanged {
    webhook { id url state version description updatedAt }
    event { type version at actor data }
  }
}`;
const TICK = 'subscription { tick { id marker pad } }';

/** How the subscriber process makes change number `i` (its marker `~c<i>~` travels in the payload; no id or timestamp can contain a tilde). */
type ChangeMaker =
  | { kind: 'graphql'; url: string; apiKey: string; webhookIds: string[] }
  | { kind: 'publish'; url: string; padBytes: number };

type Target = 'hookgate' | 'bare';

/** What the main process asks of the subscriber process. */
type Request =
  | { kind: 'open'; target: Target; wsUrl: string; query: string; connectionParams: Record<string, unknown>; changes: ChangeMaker }
  | { kind: 'pad'; target: Target; padBytes: number }
  | { kind: 'measure'; target: Target; changes: number }
  | { kind: 'report'; target: Target };

interface Report {
  messages: number;
  expected: number;
  activeSeconds: number;
  messagesPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  messageBytes: number;
  incompleteBursts: number;
}

if (process.env.BENCH_ROLE === 'subscribers') subscriberProcess();
else await main();

async function main(): Promise<void> {
  console.log(
    `subscriptions bench: ${SUBSCRIBERS} subscribers, ${CHANGES} changes in bursts of ${BURST}, ${ROUNDS} rounds; ` +
      `${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`,
  );
  // The subscribers run this same file in a process of their own.
  const subscribers = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_ROLE: 'subscribers' },
  });
  const ask = <T>(request: Request) =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the subscriber process exited with ${code}`));
      subscribers.once('exit', onExit);
      subscribers.once('message', (answer) => {
        subscribers.off('exit', onExit);
        resolve(answer as T);
      });
      subscribers.send(request);
    });

  const hookgate = await startHookgate();
  const bare = await startBareServer();
  const hookgateBytes = await ask<number>({
    kind: 'open',
    target: 'hookgate',
    wsUrl: hookgate.wsUrl,
    query: WEBHOOK_CHANGED,
    connectionParams: { apiKey: hookgate.apiKey },
    changes: { kind: 'graphql', url: hookgate.url, apiKey: hookgate.apiKey, webhookIds: hookgate.webhookIds },
  });
  await ask<number>({
    kind: 'open',
    target: 'bare',
    wsUrl: bare.wsUrl,
    query: TICK,
    connectionParams: {},
    changes: { kind: 'publish', url: bare.url, padBytes: 0 },
  });
  // Padded so that its messages are as large as hookgate's.
  await ask({ kind: 'pad', target: 'bare', padBytes: Math.max(0, hookgateBytes - bare.unpaddedBytes) });

  const perRound = Math.ceil(CHANGES / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const order: Target[] = round % 2 === 0 ? ['bare', 'hookgate'] : ['hookgate', 'bare'];
    for (const target of order) {
      if (target === 'bare' && process.env.BENCH_ONLY === 'hookgate') continue;
      await ask({ kind: 'measure', target, changes: Math.min(perRound, CHANGES - round * perRound) });
    }
  }
  const ours = await ask<Report>({ kind: 'report', target: 'hookgate' });
  const baseline = process.env.BENCH_ONLY === 'hookgate' ? ours : await ask<Report>({ kind: 'report', target: 'bare' });
  subscribers.kill();
  await hookgate.stop();
  await bare.stop();

  const rows = [
    ['bare graphql-ws', baseline],
    ['hookgate webhookChanged', ours],
  ] as const;
  console.table(
    rows.map(([server, r]) => ({
      server,
      'messages/s': Math.round(r.messagesPerSecond),
      'p50 ms': r.p50.toFixed(1),
      'p99 ms': r.p99.toFixed(1),
      'max ms': r.max.toFixed(1),
      'bytes/msg': r.messageBytes,
      delivered: `${r.messages}/${r.expected}`,
      'bursts over 30 s': r.incompleteBursts,
    })),
  );
  console.log(`hookgate/bare messages/s: ${(ours.messagesPerSecond / baseline.messagesPerSecond).toFixed(2)} (target >= 0.5)`);
  console.log(`hookgate/bare p99:        ${(ours.p99 / baseline.p99).toFixed(2)} (target <= 2)`);
  console.log(`load at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

async function startHookgate() {
  const { loadConfig } = await import('../src/config/config.js');
  const { openEventStore } = await import('../src/eventstore/open-event-store.js');
  const { createLogger } = await import('../src/logging/logger.js');
  const { buildApp } = await import('../src/server/app.js');
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-bench-subs-'));
  const config = loadConfig({
    HOOKGATE_DATA_DIR: dir,
    HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    HOOKGATE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const logger = createLogger(config.logLevel);
  const store = await openEventStore(config);
  const app = buildApp({ config, store, logger });
  const url = await app.start();
  const graphql = async (token: string, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const { createTenant } = await graphql(ADMIN_TOKEN, `mutation { createTenant(input: { name: "bench" }) { apiKey } }`);
  const apiKey = createTenant.apiKey as string;
  const webhookIds: string[] = [];
  for (let i = 0; i < 16; i++) {
    const data = await graphql(apiKey, `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }`, {
      input: { url: `https://receiver-${i}.example.com/hooks`, filters: { eventTypes: ['order.*'] } },
    });
    webhookIds.push(data.createWebhook.webhook.id);
  }
  return {
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    apiKey,
    webhookIds,
    stop: async () => {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The same ws + graphql-ws useServer, a one-field subscription, and an endpoint that pushes one payload to everyone. */
async function startBareServer() {
  const subscribers = new Set<(value: unknown) => void>();
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    fields: { id: { type: new GraphQLNonNull(GraphQLID) }, marker: { type: GraphQLString }, pad: { type: GraphQLString } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString, resolve: () => 'ok' } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: {
          type: Tick,
          subscribe: () => queueIterator(subscribers),
          resolve: (payload: unknown) => payload,
        },
      },
    }),
  });
  let counter = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const { marker, padBytes } = JSON.parse(body) as { marker: string; padBytes: number };
      const tick = { id: String(++counter), marker, pad: 'x'.repeat(padBytes) };
      for (const push of subscribers) push(tick);
      res.end('{}');
    });
  });
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const disposable = useServer({ schema }, wss);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const unpadded = JSON.stringify({ id: '1', type: 'next', payload: { data: { tick: { id: '1000', marker: 'bench ~c1000~', pad: '' } } } });
  return {
    url: `http://127.0.0.1:${port}/publish`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    unpaddedBytes: unpadded.length,
    stop: async () => {
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A plain unbounded queue per subscriber: the simplest correct thing a bare server does. */
function queueIterator(subscribers: Set<(value: unknown) => void>): AsyncIterableIterator<unknown> {
  const queue: unknown[] = [];
  let wake: ((result: IteratorResult<unknown>) => void) | undefined;
  const push = (value: unknown) => {
    if (wake) {
      const resolve = wake;
      wake = undefined;
      resolve({ done: false, value });
    } else queue.push(value);
  };
  subscribers.add(push);
  return {
    next: () =>
      queue.length > 0
        ? Promise.resolve({ done: false, value: queue.shift() })
        : new Promise((resolve) => {
            wake = resolve;
          }),
    return: async () => {
      subscribers.delete(push);
      wake?.({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The subscriber process: one group of subscribers per server; makes the changes and measures what arrives. */
function subscriberProcess(): void {
  const groups = new Map<Target, Group>();
  process.on('message', (request: Request) => {
    handle(request).then(
      (answer) => process.send!(answer ?? null),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });

  async function handle(request: Request): Promise<unknown> {
    switch (request.kind) {
      case 'open': {
        const group = new Group(request.target, request.changes);
        groups.set(request.target, group);
        return group.open(request.wsUrl, request.query, request.connectionParams);
      }
      case 'pad': {
        const group = groups.get(request.target)!;
        if (group.changes.kind === 'publish') group.changes.padBytes = request.padBytes;
        return undefined;
      }
      case 'measure':
        return groups.get(request.target)!.measure(request.changes);
      case 'report':
        return groups.get(request.target)!.report();
      default: {
        const unhandled: never = request;
        return unhandled;
      }
    }
  }
}

/** The subscribers of one server, and what they measured. */
class Group {
  private readonly sentAt = new Float64Array(CHANGES + 10_000).fill(Number.NaN);
  private readonly latencies = new Float64Array(SUBSCRIBERS * CHANGES);
  private latencyCount = 0;
  private received = 0;
  private bytes = 0;
  private probeBytes = 0;
  private measuredFrom = Number.POSITIVE_INFINITY;
  private next = 0;
  private measuredChanges = 0;
  private activeMs = 0;
  private incompleteBursts = 0;
  private readonly seenBy = new Uint32Array(SUBSCRIBERS);
  private waiting: { until: number; resolve(): void } | undefined;

  constructor(
    readonly name: Target,
    readonly changes: ChangeMaker,
  ) {}

  /** Connects and subscribes everyone, waits until all are live; resolves with the size of a message. */
  async open(wsUrl: string, query: string, connectionParams: Record<string, unknown>): Promise<number> {
    await Promise.all(
      Array.from({ length: SUBSCRIBERS }, (_, index) =>
        openSubscriber(wsUrl, query, connectionParams, (text) => this.onMessage(index, text)),
      ),
    );
    // Subscriptions are live once the server registered them: change until every subscriber saw one.
    for (let attempt = 0; this.seenBy.some((n) => n === 0); attempt++) {
      if (attempt > 2_000) throw new Error(`${this.name}: some subscribers never received anything`);
      await this.makeChange(this.next++);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (let k = 0; k < WARMUP_CHANGES; k++) await this.makeChange(this.next++);
    await new Promise((resolve) => setTimeout(resolve, 500));
    this.measuredFrom = this.next;
    return this.probeBytes;
  }

  async measure(changes: number): Promise<void> {
    for (let done = 0; done < changes; done += BURST) {
      const count = Math.min(BURST, changes - done);
      const first = this.next;
      this.next += count;
      this.measuredChanges += count;
      const expectedSoFar = this.measuredChanges * SUBSCRIBERS;
      const arrived = new Promise<void>((resolve) => {
        this.waiting = { until: expectedSoFar, resolve };
        if (this.received >= expectedSoFar) resolve();
      });
      const started = performance.now();
      await Promise.all(Array.from({ length: count }, (_, k) => this.makeChange(first + k)));
      const timedOut = await Promise.race([arrived.then(() => false), new Promise((resolve) => setTimeout(() => resolve(true), 30_000))]);
      this.activeMs += performance.now() - started;
      if (timedOut) {
        this.incompleteBursts++;
        this.waiting = undefined;
      }
    }
  }

  report(): Report {
    const sorted = this.latencies.slice(0, this.latencyCount).sort();
    const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
    return {
      messages: this.received,
      expected: SUBSCRIBERS * this.measuredChanges,
      activeSeconds: this.activeMs / 1000,
      messagesPerSecond: this.received / (this.activeMs / 1000),
      p50: percentile(50),
      p99: percentile(99),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      messageBytes: Math.round(this.bytes / Math.max(1, this.received)),
      incompleteBursts: this.incompleteBursts,
    };
  }

  private onMessage(index: number, text: string): void {
    const now = performance.now();
    const match = /~c(\d+)~/.exec(text);
    if (!match) return;
    const change = Number(match[1]);
    this.seenBy[index]!++;
    if (change < this.measuredFrom) {
      this.probeBytes = text.length;
      return;
    }
    this.latencies[this.latencyCount++] = now - this.sentAt[change]!;
    this.received++;
    this.bytes += text.length;
    if (this.waiting && this.received >= this.waiting.until) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve();
    }
  }

  private async makeChange(i: number): Promise<void> {
    this.sentAt[i] = performance.now();
    await sendChange(this.changes, i);
  }
}

/** A minimal graphql-transport-ws subscriber: the client side stays cheap, so the servers are what is measured. */
async function openSubscriber(
  wsUrl: string,
  query: string,
  connectionParams: Record<string, unknown>,
  onNext: (text: string) => void,
): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const acknowledged = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"connection_ack"')) resolve();
      else if (text.includes('"type":"next"')) onNext(text);
      else if (text.includes('"type":"error"')) reject(new Error(text));
    });
    socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams }));
  await acknowledged;
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
  return socket;
}

async function sendChange(maker: ChangeMaker, i: number): Promise<void> {
  const marker = `bench ~c${i}~`;
  if (maker.kind === 'publish') {
    await fetch(maker.url, { method: 'POST', body: JSON.stringify({ marker, padBytes: maker.padBytes }) }).then((r) => r.text());
    return;
  }
  const response = await fetch(`${maker.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${maker.apiKey}` },
    body: JSON.stringify({
      query: 'mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { version } } }',
      variables: { input: { id: maker.webhookIds[i % maker.webhookIds.length], description: marker } },
    }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}
