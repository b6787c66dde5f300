/**
 * The bare baseline of the delivery benchmark: N signed POSTs with undici's
 * `request` over a keep-alive pool at a given concurrency, no store, beside
 * the same POSTs through hookgate's UndiciWebhookSender (signing, headers,
 * SSRF-guarded agent, deadline, excerpt), so the sender's own cost shows.
 * bench/delivery.ts imports `runBareSender` to measure the baseline in its own run.
 *
 *   npx tsx bench/delivery-bare-sender.ts                 (20,000 POSTs, 10 receivers, concurrency 50)
 *   BENCH_DELIVERIES=5000 BENCH_CONCURRENCY=100 npx tsx bench/delivery-bare-sender.ts
 *
 * Run directly, the receivers (node:http, verifying every request with the
 * standardwebhooks library) live in a child process, so that the sending
 * process is the one measured, as the gateway's would be.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'undici';
import { UndiciWebhookSender } from '../src/delivery/sending/undici-webhook-sender.js';
import type { OutboundDelivery, WebhookSender } from '../src/delivery/sending/webhook-sender.js';
import { startReceiver, type WebhookReceiver } from '../test/support/receivers/webhook-receiver.js';

export interface SenderRunOptions {
  /** Receiver urls; deliveries go round-robin over them. */
  urls: readonly string[];
  total: number;
  concurrency: number;
  /** `whsec_…`; the receivers should verify with it. */
  secret: string;
}

export interface SenderRunResult {
  deliveries: number;
  /** Deliveries that did not get a 2xx. */
  failures: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of this process (user + system) per delivery: the sending cost, whatever else runs on the machine. */
  cpuMicrosPerDelivery: number;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

/** Runs `sendOne(i)` for i in [0, total) with `concurrency` in flight; times each and the whole. */
async function runLoop(
  total: number,
  concurrency: number,
  sendOne: (index: number) => Promise<boolean>,
): Promise<SenderRunResult> {
  const latencies = new Float64Array(total);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      const sentAt = performance.now();
      if (!(await sendOne(index))) failures++;
      latencies[index] = performance.now() - sentAt;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort();
  return {
    deliveries: total,
    failures,
    seconds,
    perSecond: total / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuMicrosPerDelivery: (cpu.user + cpu.system) / total,
  };
}

const eventBody = (index: number, timestamp: Date): string =>
  JSON.stringify({ type: 'bench.event', timestamp: timestamp.toISOString(), data: { index, orderId: `o-${index}` } });

/** The baseline: signed POSTs with undici `request` over one keep-alive Agent, nothing else. */
export async function runBareSender(options: SenderRunOptions): Promise<SenderRunResult> {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 4_000 });
  const key = Buffer.from(options.secret.replace(/^whsec_/, ''), 'base64');
  try {
    return await runLoop(options.total, options.concurrency, async (index) => {
      const id = `msg_${randomUUID()}`;
      const now = new Date();
      const timestamp = Math.floor(now.getTime() / 1000);
      const body = eventBody(index, now);
      const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      const response = await request(options.urls[index % options.urls.length] as string, {
        dispatcher: agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': `v1,${signature}`,
        },
        body,
      });
      await response.body.dump();
      return response.statusCode >= 200 && response.statusCode < 300;
    });
  } finally {
    await agent.close();
  }
}

/** The same loop through a WebhookSender (one webhook per receiver url). */
export async function runWebhookSender(sender: WebhookSender, options: SenderRunOptions): Promise<SenderRunResult> {
  return runLoop(options.total, options.concurrency, async (index) => {
    const receiver = index % options.urls.length;
    const timestamp = new Date();
    const delivery: OutboundDelivery = {
      webhookId: `wh_bench_${receiver}`,
      url: options.urls[receiver] as string,
      messageId: `msg_${randomUUID()}`,
      timestamp,
      body: eventBody(index, timestamp),
      signingSecrets: [options.secret],
      auth: { type: 'NONE' },
      headers: { 'x-bench': 'delivery' },
    };
    return (await sender.send(delivery)).ok;
  });
}

// ---------------------------------------------------------------- run directly

type ReceiverProcessMessage = { urls: string[] } | { verified: number; unverified: number };
const RECEIVERS_FLAG = '--receivers';

/** The receivers' side, in a child process: starts them, reports their urls, and on request their tallies. */
async function serveReceivers(count: number, secret: string): Promise<void> {
  let verified = 0;
  let unverified = 0;
  const receivers: WebhookReceiver[] = await Promise.all(
    Array.from({ length: count }, () =>
      startReceiver({
        secrets: [secret],
        record: false,
        onRequest: (received) => (received.verified ? verified++ : unverified++),
      }),
    ),
  );
  process.on('message', (message: 'tally' | 'close') => {
    if (message === 'tally') {
      process.send?.({ verified, unverified } satisfies ReceiverProcessMessage);
      return;
    }
    void Promise.all(receivers.map((receiver) => receiver.close())).then(() => process.disconnect());
  });
  process.send?.({ urls: receivers.map((receiver) => receiver.url) } satisfies ReceiverProcessMessage);
}

function nextMessage(child: ChildProcess): Promise<ReceiverProcessMessage> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as ReceiverProcessMessage));
    child.once('exit', (code) => reject(new Error(`receiver process exited (${code})`)));
  });
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const line = (name: string, r: SenderRunResult) =>
  `${name.padEnd(40)} ${fmt(r.perSecond).padStart(7)} deliveries/s   p50 ${fmt(r.p50Ms, 2).padStart(6)} ms   p99 ${fmt(r.p99Ms, 2).padStart(6)} ms   CPU ${fmt(r.cpuMicrosPerDelivery).padStart(4)} µs/delivery   failures ${r.failures}`;

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_DELIVERIES ?? 20_000);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50);
  const receiverCount = Number(process.env.BENCH_RECEIVERS ?? 10);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  // The secret goes by environment, not argv, so it does not show in `ps`.
  const receiverProcess = fork(fileURLToPath(import.meta.url), [RECEIVERS_FLAG, String(receiverCount)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SECRET: secret },
  });
  const started = await nextMessage(receiverProcess);
  if (!('urls' in started)) throw new Error('the receiver process did not start');
  const run = { urls: started.urls, total, concurrency, secret };

  console.log(
    `hookgate sender benchmark: ${fmt(total)} signed POSTs to ${receiverCount} local receivers (in a child process), ` +
      `concurrency ${concurrency}, node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
  );
  // A short warm-up of both paths (JIT, connections), not counted.
  const warmUp = { ...run, total: Math.min(2_000, total) };
  await runBareSender(warmUp);
  const warmSender = new UndiciWebhookSender({ timeoutMs: 15_000, allowPrivateTargets: true });
  await runWebhookSender(warmSender, warmUp);
  await warmSender.close();

  const bare = await runBareSender(run);
  console.log(line('bare undici request (keep-alive pool)', bare));
  const sender = new UndiciWebhookSender({ timeoutMs: 15_000, allowPrivateTargets: true });
  const through = await runWebhookSender(sender, run);
  await sender.close();
  console.log(line('UndiciWebhookSender', through));
  console.log(`sender / bare: ${(through.perSecond / bare.perSecond).toFixed(2)}`);

  receiverProcess.send('tally');
  const tally = await nextMessage(receiverProcess);
  if ('verified' in tally) {
    console.log(`receivers: ${fmt(tally.verified)} requests verified, ${fmt(tally.unverified)} not`);
  }
  const exited = new Promise((resolve) => receiverProcess.once('exit', resolve));
  receiverProcess.send('close');
  await exited;
}

const runDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (runDirectly && process.argv[2] === RECEIVERS_FLAG) {
  void serveReceivers(Number(process.argv[3]), process.env.BENCH_SECRET ?? '');
} else if (runDirectly) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
