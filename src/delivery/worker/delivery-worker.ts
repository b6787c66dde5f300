import { failingWebhookReason, shouldDisableFailingWebhook } from '../../domain/delivery/auto-disable.js';
import { decideDelivery, type AttemptOutcome, type DeliveryCommand } from '../../domain/delivery/delivery-commands.js';
import type { AttemptErrorKind, DeliveryEvent, DeliveryFailed } from '../../domain/delivery/delivery-events.js';
import { webhookDecider } from '../../domain/webhook/webhook-commands.js';
import type { DeactivationSource, Webhook } from '../../domain/webhook/webhook-events.js';
import type { EventMetadata, EventStore, JsonValue } from '../../eventstore/event-store.js';
import { WrongExpectedVersion } from '../../eventstore/errors.js';
import type { Logger } from '../../logging/logger.js';
import type { Clock } from '../../ports/clock.js';
import { uuidV7 } from '../../ports/time-ordered-ids.js';
import { deliveryStream, webhookStream } from '../../streams/stream-names.js';
import { handleCommand } from '../../application/command-handler.js';
import type { DueDelivery, MessageToSend } from '../../../projections/deliveries/due-deliveries.js';
import type { SendFailureKind, SendOutcome, WebhookSender } from '../sending/webhook-sender.js';
import { deliveryBody, type WebhookEndpoints } from '../webhook-endpoints.js';
import type { DeliveryAssignment } from './delivery-assignment.js';

export interface DeliveryWorkerSettings {
  /** Waits before each attempt of a round, in ms (HOOKGATE_RETRY_SCHEDULE). */
  schedule: readonly number[];
  /** HOOKGATE_DISABLE_AFTER in ms, and as configured (`5d`) for the deactivation reason. */
  disableAfterMs: number;
  disableAfterText: string;
  /** Requests in flight at once, over all webhooks and per webhook. */
  concurrency: number;
  perWebhookConcurrency: number;
}

/** The delivery read model as the worker reads it. */
export interface DeliveryQueue {
  due(now: string, limit: number, skipWebhooks: readonly string[], skip: Iterable<string>): DueDelivery[];
  nextDueAfter(now: string): string | null;
  message(messageId: string): MessageToSend | undefined;
  webhook(tenantId: string, webhookId: string): Webhook | undefined;
  /** The webhook's first failed attempt after its last success; null while it is not failing. */
  failingSince(webhookId: string): string | null;
}

/** The projection that folds what the worker appends. */
export interface DeliveryProgress {
  /** Called with the position up to which the read model is applied. */
  onAdvance(listener: (position: number) => void): () => void;
  /** The position the read model is applied up to now. */
  readonly position: number;
}

export interface DeliveryWorkerDependencies {
  store: EventStore;
  queue: DeliveryQueue;
  progress: DeliveryProgress;
  endpoints: WebhookEndpoints;
  sender: WebhookSender;
  assignment: DeliveryAssignment;
  clock: Clock;
  logger: Logger;
  settings: DeliveryWorkerSettings;
  /** Jitter source, in [0, 1). */
  random?: () => number;
  /**
   * This gateway instance, written into the metadata of what it records
   * (`instanceId`): the audit says which instance made an attempt, and a
   * scale-out assignment keeps a delivery's retries with that instance.
   */
  instanceId?: string;
}

/** How a worked delivery becomes available to pick again. */
type Release = { settleAt: number } | { backoffMs: number };

export const WORKER_ACTOR = 'system:delivery';
/** A delivery whose attempt failed inside hookgate (not at the receiver) waits this long before it is tried again. */
const INTERNAL_ERROR_BACKOFF_MS = 30_000;
/** A delivery whose read-model row was behind its stream is picked again after this long at the earliest. */
const STALE_BACKOFF_MS = 1_000;
/** The timer never sleeps longer than this, so that a changed clock cannot stall the queue. */
const MAX_SLEEP_MS = 60_000;
const BODY_CACHE_SIZE = 1_000;
/** Extra passes over the queue when webhooks filled up during a pass and slots are still free. */
const MAX_PASSES = 3;

// A compile-time check that the domain's error kinds cover the sender's.
const sameKinds: AttemptErrorKind = '' as SendFailureKind;
void sameKinds;

export function toAttemptOutcome(outcome: SendOutcome): AttemptOutcome {
  return {
    ok: outcome.ok,
    statusCode: outcome.statusCode,
    durationMs: outcome.durationMs,
    errorKind: outcome.failure?.kind ?? null,
    error: outcome.failure?.message ?? null,
    responseExcerpt: outcome.responseExcerpt,
    retryAfterMs: outcome.retryAfterMs,
  };
}

/**
 * The embedded delivery worker. It wakes when the delivery projection moves
 * (a publish, a recorded attempt, a redelivery) and on a timer for the next
 * due time, picks due PENDING deliveries from the read model, and sends them
 * within a global and a per-webhook limit of requests in flight, so that a
 * slow receiver holds only its own slots. Each outcome is appended to the
 * delivery's stream against the revision the read model showed: a stale or
 * concurrent attempt loses and is dropped.
 *
 * Everything it needs is in the log: after a restart or a kill -9 it finds
 * the pending deliveries in the read model again, and one that was in flight
 * is sent again with the same webhook-id (at least once).
 */
export class DeliveryWorker {
  /** Deliveries being worked on or waiting for the projection to show their outcome: not to be picked again. */
  private readonly held = new Set<string>();
  private readonly inFlightPerWebhook = new Map<string, number>();
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private readonly bodies = new Map<string, string>();
  /** Deliveries whose outcome is appended, by the position the projection must pass before they may be picked again. */
  private settling: { position: number; deliveryId: string }[] = [];
  private projected = 0;
  private readonly random: () => number;
  private stopped = true;
  private wakeQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue: number | undefined;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: DeliveryWorkerDependencies) {
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.projected = this.deps.progress.position;
    this.unsubscribe = [
      this.deps.progress.onAdvance((position) => {
        this.projected = Math.max(this.projected, position);
        this.settle();
        this.wake();
      }),
      this.deps.assignment.onChange(() => this.wake()),
    ];
    this.wake();
  }

  /** Stops picking work and waits (up to `timeoutMs`) for the attempts in flight to be recorded. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running.size === 0) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => (timeout = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timeout);
  }

  /** Requests in flight now (for tests and metrics). */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Looks at the queue again soon; many wakes in one turn make one look. */
  wake(): void {
    if (this.stopped || this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      try {
        this.pump();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'delivery worker could not read its queue');
        this.sleepUntil(Date.now() + 1_000);
      }
    });
  }

  private pump(): void {
    if (this.stopped) return;
    const { settings, queue, assignment } = this.deps;
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    // Rows assigned to other instances (scale-out) come back on every pass: the next pass looks past them.
    let othersRows = 0;
    for (let pass = 0; pass < MAX_PASSES && this.inFlight < settings.concurrency; pass++) {
      const full = this.fullWebhooks();
      const free = settings.concurrency - this.inFlight;
      // Rows of webhooks that fill up during the pass, and rows of other instances (scale-out), come back on the
      // next pass: look further than the free slots.
      const limit = free + othersRows * 2 + 16;
      const rows = queue.due(nowIso, limit, full, this.held);
      let filledUp = false;
      othersRows = 0;
      for (const row of rows) {
        if (this.inFlight >= settings.concurrency) break;
        const webhookInFlight = this.inFlightPerWebhook.get(row.webhookId) ?? 0;
        if (webhookInFlight >= settings.perWebhookConcurrency) {
          filledUp = true;
          continue;
        }
        if (!assignment.mayAttempt(row)) {
          othersRows += 1;
          continue;
        }
        this.begin(row);
      }
      if ((!filledUp && othersRows === 0) || rows.length < limit) break;
    }
    const next = queue.nextDueAfter(nowIso);
    if (next !== null) this.sleepUntil(Date.parse(next));
  }

  /**
   * Deliveries due now that wait for a free request slot, counted up to
   * `limit`: neither in flight nor waiting for their outcome to be read, nor
   * held back by their own webhook's limit. 0 while the worker is stopped.
   */
  dueBacklog(limit: number): number {
    if (this.stopped) return 0;
    return this.deps.queue.due(this.deps.clock.now().toISOString(), limit, this.fullWebhooks(), this.held).length;
  }

  /** Webhooks with as many requests in flight as they may have. */
  private fullWebhooks(): string[] {
    const { perWebhookConcurrency } = this.deps.settings;
    return [...this.inFlightPerWebhook].filter(([, n]) => n >= perWebhookConcurrency).map(([id]) => id);
  }

  private sleepUntil(due: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined && this.timerDue !== undefined && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDue = undefined;
      this.wake();
    }, Math.min(MAX_SLEEP_MS, Math.max(0, due - Date.now())));
    this.timer.unref();
  }

  private begin(row: DueDelivery): void {
    this.held.add(row.id);
    this.inFlight += 1;
    this.inFlightPerWebhook.set(row.webhookId, (this.inFlightPerWebhook.get(row.webhookId) ?? 0) + 1);
    let slotHeld = true;
    const releaseSlot = () => {
      if (!slotHeld) return;
      slotHeld = false;
      this.inFlight -= 1;
      const left = (this.inFlightPerWebhook.get(row.webhookId) ?? 1) - 1;
      if (left > 0) this.inFlightPerWebhook.set(row.webhookId, left);
      else this.inFlightPerWebhook.delete(row.webhookId);
      this.wake();
    };

    const work: Promise<void> = this.attempt(row, releaseSlot)
      .catch((error: unknown): Release => {
        this.deps.logger.error({ err: error, deliveryId: row.id, webhookId: row.webhookId }, 'delivery attempt failed inside hookgate');
        return { backoffMs: INTERNAL_ERROR_BACKOFF_MS };
      })
      .then((release) => {
        releaseSlot();
        this.release(row.id, release);
      })
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }

  /** Keeps the delivery out of the picks until the read model shows the outcome (or the back-off ends). */
  private release(deliveryId: string, release: Release): void {
    if ('settleAt' in release) {
      this.settling.push({ position: release.settleAt, deliveryId });
      this.settle();
      return;
    }
    setTimeout(() => {
      this.held.delete(deliveryId);
      this.wake();
    }, release.backoffMs).unref();
  }

  /** Frees the deliveries whose outcome the read model now shows. */
  private settle(): void {
    if (this.settling.length === 0) return;
    const still: { position: number; deliveryId: string }[] = [];
    for (const entry of this.settling) {
      if (entry.position <= this.projected) this.held.delete(entry.deliveryId);
      else still.push(entry);
    }
    if (still.length !== this.settling.length) this.wake();
    this.settling = still;
  }

  private async attempt(row: DueDelivery, releaseSlot: () => void): Promise<Release> {
    const { queue, clock, endpoints, sender, settings } = this.deps;
    const webhook = queue.webhook(row.tenantId, row.webhookId);
    if (!webhook || webhook.state === 'DEACTIVATED') {
      const command: DeliveryCommand = {
        type: 'FailDelivery',
        data: {
          deliveryId: row.id,
          messageId: row.messageId,
          webhookId: row.webhookId,
          ...(webhook
            ? { reason: 'WEBHOOK_DEACTIVATED', detail: 'The webhook was deactivated before the attempt was due' }
            : { reason: 'WEBHOOK_NOT_FOUND', detail: 'The webhook no longer exists' }),
          now: clock.now(),
        },
      };
      return this.record(row, decideDelivery(command, row.state));
    }

    const body = this.body(row.messageId);
    const endpoint = endpoints.endpoint(webhook);
    const attemptedAt = clock.now();
    const outcome = await sender.send(endpoints.outbound(endpoint, row.messageId, body, attemptedAt));
    releaseSlot();

    const now = clock.now();
    const events = decideDelivery(
      {
        type: 'RecordAttempt',
        data: {
          deliveryId: row.id,
          messageId: row.messageId,
          webhookId: row.webhookId,
          outcome: toAttemptOutcome(outcome),
          attemptedAt,
          now,
          schedule: settings.schedule,
          jitter: this.random(),
        },
      },
      row.state,
    );
    const release = await this.record(row, events);
    if (!outcome.ok && 'settleAt' in release) await this.afterFailure(row, webhook, events, now);
    return release;
  }

  /** 410 deactivates the webhook at once; a webhook failing every attempt for the configured period is deactivated too. */
  private async afterFailure(row: DueDelivery, webhook: Webhook, events: DeliveryEvent[], now: Date): Promise<void> {
    const { settings, queue } = this.deps;
    const failed = events.find((event): event is DeliveryFailed => event.type === 'DeliveryFailed');
    try {
      if (failed?.data.reason === 'GONE') {
        await this.deactivate(row, 'GONE', `The receiver answered 410 Gone to delivery ${row.id}`, now);
        return;
      }
      const attemptedAt = (events[0] as Extract<DeliveryEvent, { type: 'DeliveryAttempted' }>).data.attemptedAt;
      const failingSince = queue.failingSince(webhook.id) ?? attemptedAt;
      if (shouldDisableFailingWebhook(failingSince, now, settings.disableAfterMs)) {
        await this.deactivate(row, 'FAILING', failingWebhookReason(settings.disableAfterText, failingSince), now);
      }
    } catch (error) {
      this.deps.logger.error({ err: error, webhookId: webhook.id }, 'could not deactivate a failing webhook');
    }
  }

  private async deactivate(row: DueDelivery, source: DeactivationSource, reason: string, now: Date): Promise<void> {
    const handled = await handleCommand(
      this.deps.store,
      webhookStream(row.webhookId),
      webhookDecider,
      { type: 'DeactivateWebhook', data: { source, reason, now } },
      { metadata: this.metadata(row) },
    );
    if (handled.appended) this.deps.logger.warn({ webhookId: row.webhookId, source, reason }, 'webhook deactivated');
  }

  /** Appends against the revision the read model showed; a stale pick loses and waits for the read model to catch up. */
  private async record(row: DueDelivery, events: DeliveryEvent[]): Promise<Release> {
    const { store } = this.deps;
    try {
      const metadata = this.metadata(row);
      const appended = await store.appendToStream(
        deliveryStream(row.id),
        events.map((event) => ({ id: uuidV7(), type: event.type, data: event.data as unknown as JsonValue, metadata })),
        { expectedRevision: row.version < 0 ? 'no_stream' : row.version },
      );
      return { settleAt: appended.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
      // The read model has not caught up with the stream yet: leave the delivery alone until it has.
      this.deps.logger.debug({ deliveryId: row.id }, 'delivery attempt was stale; dropped');
      return { backoffMs: STALE_BACKOFF_MS };
    }
  }

  private metadata(row: DueDelivery): EventMetadata {
    const metadata: EventMetadata = { tenantId: row.tenantId, actor: WORKER_ACTOR, correlationId: row.messageId, causationId: row.id };
    if (this.deps.instanceId !== undefined) metadata.instanceId = this.deps.instanceId;
    return metadata;
  }

  /** The body is the same for every delivery and attempt of a message: built once per message. */
  private body(messageId: string): string {
    const cached = this.bodies.get(messageId);
    if (cached !== undefined) return cached;
    const message = this.deps.queue.message(messageId);
    if (!message) throw new Error(`Message ${messageId} of a pending delivery is not in the read model`);
    const body = deliveryBody(message.type, message.publishedAt, message.payloadJson);
    if (this.bodies.size >= BODY_CACHE_SIZE) this.bodies.delete(this.bodies.keys().next().value!);
    this.bodies.set(messageId, body);
    return body;
  }
}
