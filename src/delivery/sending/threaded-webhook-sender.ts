import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logging/logger.js';
import { threadEntry } from '../../threads/thread-entry.js';
import { perTurnBatch } from './per-turn-batch.js';
import type { FromSenderThread, SenderThreadOptions, ToSenderThread } from './sender-thread-messages.js';
import { UndiciWebhookSender } from './undici-webhook-sender.js';
import type { OutboundDelivery, SendOutcome, WebhookSender } from './webhook-sender.js';

interface Waiting {
  resolve(outcome: SendOutcome): void;
  reject(error: Error): void;
}

const THREAD_ENTRY = threadEntry(import.meta.url, 'sender-thread');

/**
 * The WebhookSender that hands each request to a sender thread
 * (sender-thread.ts, HOOKGATE_SENDER_THREAD): the thread does the HTTP work
 * with the same UndiciWebhookSender, SSRF guard included, on the other core.
 * Instructions given in one turn go over in one message, in order (a
 * `forgetWebhook` between two sends stays between them).
 *
 * Should the thread fail, the requests it held fail as errors inside hookgate
 * (the worker tries them again later: at least once still holds), and later
 * ones are sent in this thread.
 */
export class ThreadedWebhookSender implements WebhookSender {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  readonly #options: SenderThreadOptions;
  readonly #logger: Logger;
  #nextId = 1;
  readonly #post = perTurnBatch<ToSenderThread>((batch) => this.#worker.postMessage(batch));
  #closed: Promise<void> | undefined;
  /** Resolves once the thread has closed its sender, or has exited. */
  readonly #threadDone: Promise<void>;
  #markThreadDone!: () => void;
  /**
   * Resolves once the thread has loaded and can send (or has failed, and sends stay in this thread).
   * Loading takes about half a second: the app waits for it before it listens, so that the first
   * deliveries and webhook tests are not held up behind it.
   */
  readonly ready: Promise<void>;
  #markReady!: () => void;
  /** Set once the thread has failed: sends go through it from then on. */
  #fallback: UndiciWebhookSender | undefined;

  constructor(options: SenderThreadOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#threadDone = new Promise((resolve) => (this.#markThreadDone = resolve));
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#worker = new Worker(THREAD_ENTRY, { workerData: options });
    this.#worker.on('message', (message: FromSenderThread) => this.#receive(message));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => {
      this.#fail(new Error(`the sender thread exited (${code})`));
      this.#markThreadDone();
    });
    // Held while it loads (whoever awaits `ready` must not see the process end first), let go once it
    // has loaded and has nothing to send (#receive).
  }

  send(delivery: OutboundDelivery): Promise<SendOutcome> {
    if (this.#fallback) return this.#fallback.send(delivery);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (this.#waiting.size === 1) this.#worker.ref();
      this.#post({ kind: 'send', id, delivery });
    });
  }

  forgetWebhook(webhookId: string): void {
    if (this.#fallback) this.#fallback.forgetWebhook(webhookId);
    else this.#post({ kind: 'forget', webhookId });
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (!this.#fallback) {
        this.#worker.ref();
        this.#post({ kind: 'close' });
        await this.#threadDone;
        await this.#worker.terminate();
      }
      await this.#fallback?.close();
    })();
    return this.#closed;
  }

  #receive(message: FromSenderThread): void {
    if (message.kind === 'ready') {
      if (this.#waiting.size === 0) this.#worker.unref();
      this.#markReady();
      return;
    }
    if (message.kind === 'closed') {
      this.#markThreadDone();
      return;
    }
    for (const [id, outcome] of message.outcomes) {
      const waiting = this.#waiting.get(id);
      if (!waiting) continue;
      this.#waiting.delete(id);
      waiting.resolve(outcome);
    }
    if (this.#waiting.size === 0) this.#worker.unref();
  }

  #fail(error: Error): void {
    // Once closed on purpose, the thread's exit is no failure.
    if (this.#fallback || this.#closed) return;
    this.#logger.error({ err: error }, 'the sender thread failed; sending in the main thread from now on');
    this.#fallback = new UndiciWebhookSender(this.#options);
    this.#markReady();
    for (const waiting of this.#waiting.values()) waiting.reject(new Error('the sender thread failed', { cause: error }));
    this.#waiting.clear();
  }
}
