import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoTester } from '../../../src/delivery/tester/auto-tester.js';
import { createLogger } from '../../../src/logging/logger.js';

type Awaiting = { id: string; tenantId: string; version: number };

/** An auto-tester over an in-memory list of NEW webhooks; `change()` is the webhook projection moving. */
function harness(minScanIntervalMs: number, testMs = 0) {
  let awaiting: Awaiting[] = [];
  let notify = () => {};
  const tested: string[] = [];
  const reads = { count: 0 };
  const tester = new AutoTester({
    awaitingTest: () => {
      reads.count++;
      return awaiting;
    },
    test: async (_tenantId, id, version) => {
      tested.push(`${id}@${version}`);
      if (testMs > 0) await new Promise((resolve) => setTimeout(resolve, testMs));
      awaiting = awaiting.filter((w) => w.id !== id);
      return true;
    },
    onWebhooksChanged: (listener) => {
      notify = listener;
      return () => (notify = () => {});
    },
    logger: createLogger('silent'),
    minScanIntervalMs,
    concurrency: 2,
  });
  return {
    tester,
    tested,
    reads,
    register(webhook: Awaiting) {
      awaiting = [...awaiting, webhook];
      notify();
    },
  };
}

describe('AutoTester', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tests each NEW webhook version once', async () => {
    const h = harness(25);
    h.tester.start();
    h.register({ id: 'a', tenantId: 't', version: 0 });
    await vi.advanceTimersByTimeAsync(100);
    h.register({ id: 'a', tenantId: 't', version: 2 });
    h.register({ id: 'b', tenantId: 't', version: 0 });
    await vi.advanceTimersByTimeAsync(100);
    expect(h.tested.sort()).toEqual(['a@0', 'a@2', 'b@0']);
    await h.tester.stop();
  });

  it('reads the webhooks once per interval during a burst of changes, and still tests every one', async () => {
    const h = harness(25);
    h.tester.start();
    await vi.advanceTimersByTimeAsync(0);
    const readsAtStart = h.reads.count;
    // 200 registrations, one every 0.5 ms: 100 ms of changes.
    for (let i = 0; i < 200; i++) {
      h.register({ id: `w${i}`, tenantId: 't', version: 0 });
      await vi.advanceTimersByTimeAsync(0.5);
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(h.reads.count - readsAtStart).toBeLessThanOrEqual(10);
    expect(new Set(h.tested).size).toBe(200);
    await h.tester.stop();
  });

  it('does not read the webhooks again while tests are still queued, and picks up what changed once they have started', async () => {
    const h = harness(0, 5);
    h.tester.start();
    await vi.advanceTimersByTimeAsync(0);
    const readsAtStart = h.reads.count;
    for (let i = 0; i < 10; i++) h.register({ id: `first${i}`, tenantId: 't', version: 0 });
    await vi.advanceTimersByTimeAsync(0);
    // Ten queued, two running (5 ms each): 200 more registrations while they wait.
    for (let i = 0; i < 200; i++) h.register({ id: `later${i}`, tenantId: 't', version: 0 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.reads.count - readsAtStart).toBeLessThanOrEqual(4);
    expect(new Set(h.tested).size).toBe(210);
    await h.tester.stop();
  });
});
