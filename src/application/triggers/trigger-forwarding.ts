import { createHash } from 'node:crypto';
import { decideTrigger } from '../../domain/trigger/trigger-commands.js';
import {
  evolveTrigger,
  initialTriggerState,
  isTriggerFired,
  type TriggerEvent,
  type TriggerFired,
} from '../../domain/trigger/trigger-events.js';
import type { EventStore, JsonValue, RecordedEvent } from '../../eventstore/event-store.js';
import type { Clock } from '../../ports/clock.js';
import { triggerStream } from '../../streams/stream-names.js';

/** What a forwarded call is published as: the call itself, as the seed's workflow tools hand it on. */
export interface ForwardedCall {
  triggerId: string;
  runId: string;
  receivedAt: string;
  contentType: string | null;
  bodyEncoding: string;
  body: JsonValue;
  headers: Record<string, string>;
}

/** The payload a call is published with; also what the inbound endpoint sizes before it accepts a call. */
export function forwardedCallOf(call: TriggerFired['data']): ForwardedCall {
  return {
    triggerId: call.triggerId,
    runId: call.runId,
    receivedAt: call.receivedAt,
    contentType: call.contentType,
    bodyEncoding: call.bodyEncoding,
    body: call.body,
    headers: call.headers,
  };
}

/**
 * The seam to publishing (implemented over the publishEvent use case by
 * PublishingForwarder): publish `payload` as an event of `eventType` to the
 * tenant's webhooks, idempotently on `idempotencyKey` (a call forwarded twice
 * after a crash must publish once), and answer the message id.
 */
export interface TriggerForwarder {
  forward(request: {
    tenantId: string;
    eventType: string;
    payload: ForwardedCall;
    idempotencyKey: string;
    /** The inbound call's correlation id, so that the message and its deliveries trace back to the call. */
    correlationId: string;
  }): Promise<{ messageId: string }>;
}

export interface TriggerForwardingDependencies {
  store: EventStore;
  forwarder: TriggerForwarder;
  clock: Clock;
}

/** A run waiting to be forwarded, as the trigger read model lists it. */
export interface RunToForward {
  triggerId: string;
  runId: string;
  /** Global log position of its TriggerFired event. */
  position: number;
}

export const FORWARDING_ACTOR = 'system:trigger-forwarding';

/**
 * The id of the TriggerRunForwarded event of a run, the same every time (a
 * UUID made from the run id, in the manner of RFC 9562 version 8): recording a
 * run twice, after a crash or from two gateway instances, appends it once.
 */
export function forwardedEventId(runId: string): string {
  const hex = createHash('sha256').update(`TriggerRunForwarded:${runId}`, 'utf8').digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Forwards recorded calls of triggers with `forwardAsEventType`, then records
 * `TriggerRunForwarded` so that triggerRuns shows the message. Driven at least
 * once by TriggerForwardingReactor: the idempotency key and the fixed event id
 * make a repeat harmless.
 */
export class TriggerForwarding {
  constructor(private readonly deps: TriggerForwardingDependencies) {}

  /** Forwards a run the read model lists as waiting, reading its call from the log. */
  async forwardRun(run: RunToForward): Promise<string | undefined> {
    const filter = { streamNamePrefixes: [triggerStream(run.triggerId)], eventTypePrefixes: ['TriggerFired'] };
    for await (const event of this.deps.store.readAll({ afterPosition: run.position - 1, maxCount: 1, filter })) {
      const data = event.data as { runId?: unknown };
      if (event.position !== run.position || data.runId !== run.runId) break;
      return this.forwardRecorded(event);
    }
    throw new Error(`Trigger run ${run.runId} is not at log position ${run.position}`);
  }

  /** Answers the message id, or undefined when the event is not a call to forward. */
  async forwardRecorded(recorded: RecordedEvent): Promise<string | undefined> {
    const event = { type: recorded.type, data: recorded.data } as TriggerEvent;
    if (!isTriggerFired(event) || event.data.forwardAsEventType === null) return undefined;
    const d = event.data;
    const { messageId } = await this.deps.forwarder.forward({
      tenantId: d.tenantId,
      eventType: d.forwardAsEventType!,
      payload: forwardedCallOf(d),
      idempotencyKey: `trigger-run:${d.runId}`,
      correlationId: recorded.metadata.correlationId ?? recorded.id,
    });
    await this.recordForwarded(recorded, d.tenantId, d.triggerId, d.runId, messageId);
    return messageId;
  }

  /** Decided on the creation event alone: recording needs only that the trigger exists, not its calls. */
  private async recordForwarded(cause: RecordedEvent, tenantId: string, triggerId: string, runId: string, messageId: string) {
    const stream = triggerStream(triggerId);
    const first = await this.deps.store.readStream(stream, { maxCount: 1 });
    const state = first.events.reduce(
      (s, e) => evolveTrigger(s, { type: e.type, data: e.data } as TriggerEvent),
      initialTriggerState(),
    );
    const events = decideTrigger({ type: 'RecordTriggerRunForwarded', data: { runId, messageId, now: this.deps.clock.now() } }, state);
    await this.deps.store.appendToStream(
      stream,
      events.map((e) => ({
        id: forwardedEventId(runId),
        type: e.type,
        data: e.data as JsonValue,
        metadata: { tenantId, actor: FORWARDING_ACTOR, correlationId: cause.metadata.correlationId ?? cause.id, causationId: cause.id },
      })),
      { expectedRevision: 'stream_exists' },
    );
  }
}
