import { isConnectionFailure } from './client-errors.js';

const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 1_000;

/** Doubling from 50 ms up to 1 s. */
export function backoffDelay(failures: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1));
}

/**
 * Runs `action` again after connection failures until `forMs` have passed.
 * Only for actions that are safe to repeat: for appends, KurrentDB recognises
 * the same event ids with the same expected state and does not store them twice.
 */
export async function retryOnConnectionFailure<T>(action: () => Promise<T>, forMs: number): Promise<T> {
  const giveUpAt = Date.now() + forMs;
  for (let failures = 1; ; failures++) {
    try {
      return await action();
    } catch (error) {
      const left = giveUpAt - Date.now();
      if (!isConnectionFailure(error) || left <= 0) throw error;
      await sleep(Math.min(backoffDelay(failures), left));
    }
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
