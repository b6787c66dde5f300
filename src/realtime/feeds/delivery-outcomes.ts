import type {
  AttemptErrorKind,
  DeliveryAttempted,
  DeliveryEvent,
  DeliveryFailed,
  DeliveryFailureReason,
  DeliverySucceeded,
} from '../../domain/delivery/delivery-events.js';
import type { EventStore, RecordedEvent } from '../../eventstore/event-store.js';
import { DELIVERY_STREAM_PREFIX, deliveryStream, messageStream } from '../../streams/stream-names.js';
import { perEvent } from './per-event.js';

export const DELIVERY_OUTCOME_KINDS = ['ATTEMPTED', 'SUCCEEDED', 'FAILED'] as const;
export type DeliveryOutcomeKind = (typeof DELIVERY_OUTCOME_KINDS)[number];

/** One attempt, success or final failure of a delivery, as `deliveryOutcome` pushes it. */
export interface DeliveryOutcome {
  kind: DeliveryOutcomeKind;
  deliveryId: string;
  messageId: string;
  webhookId: string;
  /** The published event's type. */
  eventType: string;
  /** ATTEMPTED: this attempt's number; SUCCEEDED: the successful attempt's; FAILED: attempts made. */
  attempt: number;
  /** Of the attempt this outcome is about (for FAILED, the last one, when an attempt ended the delivery). */
  statusCode: number | null;
  durationMs: number | null;
  /** ATTEMPTED: why it failed; FAILED: why the delivery was given up. */
  error: string | null;
  errorKind: AttemptErrorKind | null;
  failureReason: DeliveryFailureReason | null;
  nextAttemptAt: string | null;
  at: string;
}

const OUTCOME_EVENT_TYPES = new Set<string>(['DeliveryAttempted', 'DeliverySucceeded', 'DeliveryFailed']);

type OutcomeEvent = DeliveryAttempted | DeliverySucceeded | DeliveryFailed;
type AttemptDetails = Pick<DeliveryOutcome, 'statusCode' | 'durationMs' | 'errorKind'> & { attempt: number };

export const isDeliveryOutcome = (event: RecordedEvent): boolean =>
  OUTCOME_EVENT_TYPES.has(event.type) && event.streamName.startsWith(DELIVERY_STREAM_PREFIX);

export const webhookOfDelivery = (event: RecordedEvent): unknown => (event.data as { webhookId?: unknown }).webhookId;

const DEFAULT_CACHED = 10_000;

/**
 * Builds the payload of `deliveryOutcome` once per event for all its
 * subscribers. Delivery events name the message, not its type, and a success
 * does not repeat its attempt's status code: both are looked up, first in
 * small bounded caches filled as events go by (an attempt and its success
 * are appended together, so the attempt has just been seen), else in the log.
 */
export class DeliveryOutcomes {
  private readonly eventTypes = new Map<string, string>();
  private readonly lastAttempts = new Map<string, AttemptDetails>();

  constructor(
    private readonly store: EventStore,
    private readonly cached = DEFAULT_CACHED,
  ) {}

  readonly outcomeFor = perEvent((event: RecordedEvent): Promise<DeliveryOutcome> => this.build({ type: event.type, data: event.data } as OutcomeEvent));

  private async build(event: OutcomeEvent): Promise<DeliveryOutcome> {
    const { deliveryId, messageId, webhookId } = event.data;
    const ref = { deliveryId, messageId, webhookId, eventType: await this.eventTypeOf(messageId) };
    switch (event.type) {
      case 'DeliveryAttempted': {
        const d = event.data;
        const details: AttemptDetails = { attempt: d.attempt, statusCode: d.statusCode, durationMs: d.durationMs, errorKind: d.errorKind };
        this.remember(this.lastAttempts, deliveryId, details);
        return { kind: 'ATTEMPTED', ...ref, ...details, error: d.error, failureReason: null, nextAttemptAt: d.nextAttemptAt, at: d.attemptedAt };
      }
      case 'DeliverySucceeded': {
        const details = await this.attemptOf(deliveryId, event.data.attempt);
        return {
          kind: 'SUCCEEDED',
          ...ref,
          attempt: event.data.attempt,
          statusCode: details?.statusCode ?? null,
          durationMs: details?.durationMs ?? null,
          errorKind: null,
          error: null,
          failureReason: null,
          nextAttemptAt: null,
          at: event.data.succeededAt,
        };
      }
      case 'DeliveryFailed': {
        const { attempts, reason, detail, failedAt } = event.data;
        // Only these two end a delivery on an attempt; the others fail it before anything is sent.
        const endedByAttempt = reason === 'RETRIES_EXHAUSTED' || reason === 'GONE';
        const details = endedByAttempt && attempts > 0 ? await this.attemptOf(deliveryId, attempts) : undefined;
        return {
          kind: 'FAILED',
          ...ref,
          attempt: attempts,
          statusCode: details?.statusCode ?? null,
          durationMs: details?.durationMs ?? null,
          errorKind: details?.errorKind ?? null,
          error: detail,
          failureReason: reason,
          nextAttemptAt: null,
          at: failedAt,
        };
      }
      default: {
        const unhandled: never = event;
        throw new Error(`Not a delivery outcome: ${(unhandled as DeliveryEvent).type}`);
      }
    }
  }

  private async eventTypeOf(messageId: string): Promise<string> {
    const known = this.eventTypes.get(messageId);
    if (known !== undefined) return known;
    const { events } = await this.store.readStream(messageStream(messageId), { maxCount: 1 });
    const type = (events[0]?.data as { type?: unknown } | undefined)?.type;
    if (typeof type !== 'string') throw new Error(`Message ${messageId} has no published event`);
    this.remember(this.eventTypes, messageId, type);
    return type;
  }

  private async attemptOf(deliveryId: string, attempt: number): Promise<AttemptDetails | undefined> {
    const last = this.lastAttempts.get(deliveryId);
    if (last?.attempt === attempt) return last;
    // A delivery stream holds a few events per round of the retry schedule: read it whole.
    const { events } = await this.store.readStream(deliveryStream(deliveryId));
    const found = events.find((e) => e.type === 'DeliveryAttempted' && (e.data as DeliveryAttempted['data']).attempt === attempt);
    if (!found) return undefined;
    const d = found.data as DeliveryAttempted['data'];
    return { attempt: d.attempt, statusCode: d.statusCode, durationMs: d.durationMs, errorKind: d.errorKind };
  }

  /** Map order makes these LRU caches. */
  private remember<T>(cache: Map<string, T>, key: string, value: T): void {
    cache.delete(key);
    cache.set(key, value);
    if (cache.size > this.cached) cache.delete(cache.keys().next().value!);
  }
}
