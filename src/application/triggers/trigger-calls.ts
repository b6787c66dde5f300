import { randomUUID } from 'node:crypto';
import { MAX_PAYLOAD_BYTES } from '../../domain/message/message-commands.js';
import { decideTrigger } from '../../domain/trigger/trigger-commands.js';
import { isTriggerFired, type TriggerFired } from '../../domain/trigger/trigger-events.js';
import type { EventStore, JsonValue } from '../../eventstore/event-store.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { triggerStream } from '../../streams/stream-names.js';
import { triggerBodyFrom } from './trigger-body.js';
import { verifyCall } from './trigger-call-verification.js';
import { forwardedCallOf } from './trigger-forwarding.js';
import type { TriggerReadModel } from './trigger-registry.js';

/** An HTTP call of `POST /hooks/<triggerId>`, body read whole (the endpoint enforces the size limit). */
export interface InboundCall {
  triggerId: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  correlationId: string;
}

/**
 * `unverified` covers an unknown or deleted trigger too: answering both alike
 * does not tell a stranger which trigger ids exist.
 */
export type CallOutcome =
  | { accepted: true; runId: string }
  | { accepted: false; reason: 'unverified' }
  /** The trigger forwards its calls as published events, and this one would be larger than an event may be. */
  | { accepted: false; reason: 'tooLargeToForward'; maxBytes: number };

export interface TriggerCallsDependencies {
  store: EventStore;
  readModel: TriggerReadModel;
  secrets: SecretBox;
  clock: Clock;
  ids: IdGenerator;
}

/** Whether the call, as forwardedCallOf makes it, fits in a published event (the same measure publishEvent applies). */
const fitsInAnEvent = (fired: TriggerFired): boolean =>
  Buffer.byteLength(JSON.stringify(forwardedCallOf(fired.data)), 'utf8') <= MAX_PAYLOAD_BYTES;

export const triggerActor = (triggerId: string): string => `trigger:${triggerId}`;

/**
 * Accepts calls of triggers. The decision is made on the trigger as the read
 * model holds it, not by folding its stream: a call depends only on the
 * trigger's existence and secret (which every change waits to see in the read
 * model), while folding would read every earlier call. For the same reason the
 * append does not expect a revision: concurrent calls never conflict.
 */
export class TriggerCalls {
  constructor(private readonly deps: TriggerCallsDependencies) {}

  async receive(call: InboundCall): Promise<CallOutcome> {
    const { readModel, secrets, clock, ids, store } = this.deps;
    const trigger = readModel.forCall(call.triggerId);
    const proof = trigger && verifyCall(secrets.open(trigger.secret), call.body, call.headers);
    if (!trigger || !proof) return { accepted: false, reason: 'unverified' };
    if (proof.kind === 'signature') {
      // Standard Webhooks senders retry with the same webhook-id, and a captured call could be replayed within the
      // timestamp tolerance: either way the message was already taken, so answer with its run and store nothing.
      const earlier = readModel.runOfMessage(trigger.id, proof.messageId);
      if (earlier !== undefined) return { accepted: true, runId: earlier };
    }
    const contentType = call.headers['content-type'] ?? null;
    const runId = ids.newId();
    const events = decideTrigger(
      {
        type: 'FireTrigger',
        data: {
          runId,
          contentType,
          body: triggerBodyFrom(call.body, contentType),
          bodyBytes: call.body.length,
          headers: call.headers,
          now: clock.now(),
        },
      },
      trigger,
    );
    const [fired] = events;
    if (fired && isTriggerFired(fired) && fired.data.forwardAsEventType !== null && !fitsInAnEvent(fired)) {
      // Refused now, with the reason, rather than accepted and never forwarded.
      return { accepted: false, reason: 'tooLargeToForward', maxBytes: MAX_PAYLOAD_BYTES };
    }
    const appended = await store.appendToStream(
      triggerStream(trigger.id),
      events.map((event) => ({
        id: randomUUID(),
        type: event.type,
        data: event.data as JsonValue,
        metadata: { tenantId: trigger.tenantId, actor: triggerActor(trigger.id), correlationId: call.correlationId },
      })),
      { expectedRevision: 'stream_exists' },
    );
    // So that triggerRuns right after the 202 lists this call.
    await readModel.waitForPosition(appended.position);
    return { accepted: true, runId };
  }
}
