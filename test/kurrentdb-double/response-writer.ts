import type { ServerWritableStream } from '@grpc/grpc-js';

/** Registers `wake` somewhere and returns how to unregister it. */
export type WakeUp = (wake: () => void) => () => void;

/**
 * Writes a server-streaming response one message at a time, waiting whenever
 * gRPC's buffer is full, so a slow client slows the double down instead of
 * making it buffer without bound (that is what KurrentDB does too).
 */
export class ResponseWriter<Message> {
  private ended = false;

  constructor(
    private readonly call: ServerWritableStream<unknown, Message>,
    /** Aborted when the server goes away. */
    private readonly serverStopped: AbortSignal,
  ) {
    call.once('cancelled', () => {
      this.ended = true;
    });
  }

  get open(): boolean {
    return !this.ended && !this.call.cancelled && !this.call.destroyed && !this.serverStopped.aborted;
  }

  /** Resolves true when the message was queued, false when the call is gone. */
  async write(message: Message): Promise<boolean> {
    if (!this.open) return false;
    if (this.call.write(message)) return true;
    await this.waitFor((wake) => {
      this.call.once('drain', wake);
      return () => this.call.off('drain', wake);
    });
    return this.open;
  }

  /** Waits until `wakeUp` fires, or the call goes away, whichever comes first. */
  async waitFor(wakeUp: WakeUp): Promise<void> {
    if (!this.open) return;
    const unregister: (() => void)[] = [];
    await new Promise<void>((resolve) => {
      unregister.push(wakeUp(resolve));
      for (const event of ['cancelled', 'close'] as const) {
        this.call.once(event, resolve);
        unregister.push(() => this.call.off(event, resolve));
      }
      const onAbort = () => resolve();
      this.serverStopped.addEventListener('abort', onAbort, { once: true });
      unregister.push(() => this.serverStopped.removeEventListener('abort', onAbort));
    });
    for (const undo of unregister) undo();
  }

  end(): void {
    if (!this.open) return;
    this.ended = true;
    this.call.end();
  }

  fail(code: number, details: string): void {
    if (!this.open) return;
    this.ended = true;
    this.call.emit('error', { code, details });
  }
}
