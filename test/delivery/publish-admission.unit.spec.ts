import { describe, expect, it } from 'vitest';
import { PublishAdmission, type DeliveryBacklog } from '../../src/delivery/worker/publish-admission.js';

/** A backlog the test sets, and a progress signal it fires. */
interface TestBacklog extends DeliveryBacklog {
  due: number;
  askedUpTo: number[];
  progress(due: number): void;
  readonly listening: number;
}

function backlogOf(initial: number): TestBacklog {
  const listeners = new Set<() => void>();
  const backlog: TestBacklog = {
    due: initial,
    askedUpTo: [] as number[],
    dueBacklog(limit: number) {
      backlog.askedUpTo.push(limit);
      return Math.min(backlog.due, limit);
    },
    onProgress(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    progress(due: number) {
      backlog.due = due;
      for (const listener of [...listeners]) listener();
    },
    get listening() {
      return listeners.size;
    },
  };
  return backlog;
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('publish admission (backpressure)', () => {
  it('admits at once while the backlog is within the limit, counting no further than one past it', async () => {
    const backlog = backlogOf(10);
    const admission = new PublishAdmission(backlog, { backlogLimit: 10, maxWaitMs: 60_000 });
    expect(await settled(admission.whenAdmitted())).toBe(true);
    expect(backlog.askedUpTo).toEqual([11]);
    expect(backlog.listening).toBe(0);
  });

  it('holds publishes while the backlog is over the limit, and lets them all go, in order, once it is not', async () => {
    const backlog = backlogOf(11);
    const admission = new PublishAdmission(backlog, { backlogLimit: 10, maxWaitMs: 60_000 });
    const admitted: number[] = [];
    const first = admission.whenAdmitted().then(() => admitted.push(1));
    const second = admission.whenAdmitted().then(() => admitted.push(2));
    expect(await settled(first)).toBe(false);
    expect(admission.waitingPublishes).toBe(2);

    backlog.progress(15);
    expect(await settled(first)).toBe(false);
    backlog.progress(10);
    await Promise.all([first, second]);
    expect(admitted).toEqual([1, 2]);
    expect(admission.waitingPublishes).toBe(0);
    expect(backlog.listening).toBe(0);
  });

  it('queues a publish behind those already waiting, even when the backlog has just shrunk', async () => {
    const backlog = backlogOf(20);
    const admission = new PublishAdmission(backlog, { backlogLimit: 10, maxWaitMs: 60_000 });
    const first = admission.whenAdmitted();
    backlog.due = 0; // not yet signalled
    const second = admission.whenAdmitted();
    expect(await settled(second)).toBe(false);
    backlog.progress(0);
    expect(await settled(Promise.all([first, second]))).toBe(true);
  });

  it('lets a publish go after the longest wait even if the backlog stays over the limit', async () => {
    const backlog = backlogOf(1_000);
    const admission = new PublishAdmission(backlog, { backlogLimit: 10, maxWaitMs: 30 });
    const started = Date.now();
    await admission.whenAdmitted();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(admission.waitingPublishes).toBe(0);
    expect(backlog.listening).toBe(0);
  });

  it('never holds a publish when turned off (limit 0), nor after it is stopped', async () => {
    const off = new PublishAdmission(backlogOf(1_000_000), { backlogLimit: 0, maxWaitMs: 60_000 });
    expect(await settled(off.whenAdmitted())).toBe(true);

    const backlog = backlogOf(1_000);
    const admission = new PublishAdmission(backlog, { backlogLimit: 10, maxWaitMs: 60_000 });
    const waiting = admission.whenAdmitted();
    expect(await settled(waiting)).toBe(false);
    admission.stop();
    expect(await settled(waiting)).toBe(true);
    expect(await settled(admission.whenAdmitted())).toBe(true);
    expect(backlog.listening).toBe(0);
  });
});
