import type { Event } from '../decider.js';
import type { SealedSecret } from '../sealed-secret.js';

/** JSON as stored in an event payload (the same shape as the event store's JsonValue, kept here to stay pure). */
export type TriggerJson = null | boolean | number | string | TriggerJson[] | { [key: string]: TriggerJson };

/**
 * How a call's body is held: `json` when the content type says JSON and the
 * body parses (then `body` is the parsed value), `text` for any other UTF-8
 * body, `base64` for bytes that are not valid UTF-8. Kept beside the body so
 * that a JSON string and a text body of the same characters stay distinct.
 */
export const TRIGGER_BODY_ENCODINGS = ['json', 'text', 'base64'] as const;
export type TriggerBodyEncoding = (typeof TRIGGER_BODY_ENCODINGS)[number];

export type Trigger = {
  exists: true;
  id: string;
  tenantId: string;
  name: string;
  /** When set, every accepted call is also published as an event of this type to the tenant's webhooks. */
  forwardAsEventType: string | null;
  /** Verifies calls: the Standard Webhooks signing secret (`whsec_…`), sealed. */
  secret: SealedSecret;
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
  /** Stream revision of the last event: 0 right after creation. */
  version: number;
};

export type TriggerState = { exists: false } | Trigger;

export type TriggerCreated = Event<
  'TriggerCreated',
  {
    triggerId: string;
    tenantId: string;
    name: string;
    forwardAsEventType: string | null;
    secret: SealedSecret;
    createdAt: string;
  }
>;

/**
 * One accepted call of `POST /hooks/<triggerId>`. `headers` are lower-cased
 * names, hop-by-hop headers and credentials already removed. `tenantId` and
 * `forwardAsEventType` are copied from the trigger so that a subscriber or the
 * forwarding reactor needs nothing but this event.
 */
export type TriggerFired = Event<
  'TriggerFired',
  {
    triggerId: string;
    tenantId: string;
    runId: string;
    receivedAt: string;
    contentType: string | null;
    bodyEncoding: TriggerBodyEncoding;
    body: TriggerJson;
    /** Size of the body as received, in bytes. */
    bodyBytes: number;
    headers: Record<string, string>;
    forwardAsEventType: string | null;
  }
>;

/** The old secret stops working at once: a trigger URL has one caller, who is handed the new secret. */
/** The trigger's name and forwarding as they are from now on (both, whether or not each changed). */
export type TriggerUpdated = Event<'TriggerUpdated', { name: string; forwardAsEventType: string | null; updatedAt: string }>;

export type TriggerSecretRotated = Event<'TriggerSecretRotated', { newSecret: SealedSecret; rotatedAt: string }>;

export type TriggerDeleted = Event<'TriggerDeleted', { deletedAt: string }>;

/**
 * A call of a trigger with `forwardAsEventType` was published as a message
 * (by the forwarding reactor, after the fact): links the run to that message.
 */
export type TriggerRunForwarded = Event<'TriggerRunForwarded', { runId: string; messageId: string; forwardedAt: string }>;

export type TriggerEvent =
  | TriggerCreated
  | TriggerFired
  | TriggerUpdated
  | TriggerSecretRotated
  | TriggerDeleted
  | TriggerRunForwarded;

export type TriggerEventType = TriggerEvent['type'];

/** A record, so that an event added to the union and not listed here fails to compile. */
const TRIGGER_EVENT_TYPE_SET: Record<TriggerEventType, true> = {
  TriggerCreated: true,
  TriggerFired: true,
  TriggerUpdated: true,
  TriggerSecretRotated: true,
  TriggerDeleted: true,
  TriggerRunForwarded: true,
};

/** For subscriptions and projections that filter by event type. */
export const TRIGGER_EVENT_TYPES = Object.keys(TRIGGER_EVENT_TYPE_SET) as readonly TriggerEventType[];

export const isTriggerFired = (event: { type: string }): event is TriggerFired => event.type === 'TriggerFired';

export const initialTriggerState = (): TriggerState => ({ exists: false });

/** Only decideTrigger writes trigger streams; anything else is a bug worth failing on. */
function corruptStream(event: TriggerEvent, state: TriggerState): Error {
  return new Error(`Cannot apply ${event.type} to a trigger that ${state.exists ? 'already exists' : 'does not exist'}`);
}

function nextRevision(state: TriggerState, event: TriggerEvent): Trigger {
  if (!state.exists) throw corruptStream(event, state);
  return { ...state, version: state.version + 1 };
}

export function evolveTrigger(state: TriggerState, event: TriggerEvent): TriggerState {
  switch (event.type) {
    case 'TriggerCreated': {
      if (state.exists) throw corruptStream(event, state);
      const { triggerId, tenantId, name, forwardAsEventType, secret, createdAt } = event.data;
      return {
        exists: true,
        id: triggerId,
        tenantId,
        name,
        forwardAsEventType,
        secret,
        createdAt,
        updatedAt: createdAt,
        deleted: false,
        version: 0,
      };
    }
    case 'TriggerFired':
    case 'TriggerRunForwarded':
      // Calls and their forwarding change nothing about the trigger; they only move the stream on.
      return nextRevision(state, event);
    case 'TriggerUpdated': {
      const { name, forwardAsEventType, updatedAt } = event.data;
      return { ...nextRevision(state, event), name, forwardAsEventType, updatedAt };
    }
    case 'TriggerSecretRotated':
      return { ...nextRevision(state, event), secret: event.data.newSecret, updatedAt: event.data.rotatedAt };
    case 'TriggerDeleted':
      return { ...nextRevision(state, event), deleted: true, updatedAt: event.data.deletedAt };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
