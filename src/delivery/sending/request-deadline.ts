import { EventEmitter } from 'node:events';

/**
 * One request's deadline, handed to undici as its `signal` (undici takes an
 * EventEmitter with `aborted` as readily as an AbortSignal). An
 * AbortController per request cost about 10 µs of CPU more per delivery
 * (bench/delivery-bare-sender.ts): a sixth of the sender's own cost.
 */
export class RequestDeadline extends EventEmitter {
  aborted = false;
  readonly #timer: NodeJS.Timeout;

  constructor(readonly timeoutMs: number) {
    super();
    this.#timer = setTimeout(() => {
      this.aborted = true;
      this.emit('abort');
    }, timeoutMs);
  }

  /** The request is over: the deadline no longer applies. */
  clear(): void {
    clearTimeout(this.#timer);
  }
}
