/** The part of a client subscription stream the signals listen to. */
interface SignallingStream {
  on(event: 'confirmation' | 'readable', listener: () => void): unknown;
}

/**
 * What a feed's reader waits for between the items of one subscription call:
 * the server's confirmation of the call (handed out once, before anything
 * else the reader takes), the client's stream becoming readable, and whatever
 * else the feed notifies about (a drop, caught up).
 */
export class CallSignals {
  private confirmation: 'none' | 'pending' | 'taken' = 'none';
  private wake: (() => void) | undefined;

  constructor(stream: SignallingStream) {
    stream.on('confirmation', () => {
      if (this.confirmation === 'none') this.confirmation = 'pending';
      this.notify();
    });
    stream.on('readable', () => this.notify());
  }

  /** True the first time it is asked after the server confirmed the call, false before and after. */
  takeConfirmation(): boolean {
    if (this.confirmation !== 'pending') return false;
    this.confirmation = 'taken';
    return true;
  }

  /** Resolves at the next notification, or once `stop` aborts. */
  next(stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        stop.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      stop.addEventListener('abort', done, { once: true });
    });
  }

  notify(): void {
    this.wake?.();
  }
}
