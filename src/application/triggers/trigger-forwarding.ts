import { decideTrigger } from '../../domain/trigger/trigger-commands.js';
import { evolveTrigger, initialTriggerState, isTriggerFired, type TriggerEvent } from '../../domain/trigger/trigger-events.js';
import type { EventStore, JsonValue, RecordedEvent } from '../../eventstore/event-store.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';
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

/**
 * THE SEAM TO PUBLISHING. Implemented over the delivery work's `publishEvent`
 * use case: publish `payload` as an event of `eventType` to the tenant's
 * webhooks, idempotently on `idempotencyKey` (a call forwarded twice after a
 * crash must publish once), and answer the message id.
 */
export interface TriggerForwarder {
  forward(request: {
    tenantId: string;
    eventType: string;
    payload: ForwardedCall;
    idempotencyKey: string;
  }): Promise<{ messageId: string }>;
}

export interface TriggerForwardingDependencies {
  store: EventStore;
  forwarder: TriggerForwarder;
  clock: Clock;
  ids: IdGenerator;
}

export const FORWARDING_ACTOR = 'system:trigger-forwarding';

/**
 * Forwards one recorded call of a trigger with `forwardAsEventType`, then
 * records `TriggerRunForwarded` so that triggerRuns shows the message. Meant
 * to be driven by a reactor that follows the log (the delivery work's
 * persistent subscription on `trigger-` streams, event type `TriggerFired`),
 * at least once: the idempotency key makes a repeat harmless.
 * NOT WIRED YET: nothing in the server calls it until publishing exists.
 */
export class TriggerForwarding {
  constructor(private readonly deps: TriggerForwardingDependencies) {}

  /** Answers the message id, or undefined when the event is not a call to forward. */
  async forwardRecorded(recorded: RecordedEvent): Promise<string | undefined> {
    const event = { type: recorded.type, data: recorded.data } as TriggerEvent;
    if (!isTriggerFired(event) || event.data.forwardAsEventType === null) return undefined;
    const d = event.data;
    const { messageId } = await this.deps.forwarder.forward({
      tenantId: d.tenantId,
      eventType: d.forwardAsEventType!,
      payload: {
        triggerId: d.triggerId,
        runId: d.runId,
        receivedAt: d.receivedAt,
        contentType: d.contentType,
        bodyEncoding: d.bodyEncoding,
        body: d.body,
        headers: d.headers,
      },
      idempotencyKey: `trigger-run:${d.runId}`,
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
        id: this.deps.ids.newId(),
        type: e.type,
        data: e.data as JsonValue,
        metadata: { tenantId, actor: FORWARDING_ACTOR, correlationId: cause.metadata.correlationId ?? cause.id, causationId: cause.id },
      })),
      { expectedRevision: 'stream_exists' },
    );
  }
}
