import type { Command, Decider } from '../decider.js';
import { DomainError } from '../errors.js';
import { requireSealedSecret, type SealedSecret } from '../sealed-secret.js';
import { isoTimestamp, requireText } from '../validation.js';
import { evolveTrigger, initialTriggerState, type Trigger, type TriggerEvent, type TriggerState } from './trigger-events.js';
import {
  headersToKeep,
  MAX_TRIGGER_ID_LENGTH,
  normaliseContentType,
  validateBody,
  validateBodyBytes,
  validateForwardAsEventType,
  validateTriggerName,
  type TriggerBody,
} from './trigger-rules.js';

export type CreateTrigger = Command<
  'CreateTrigger',
  {
    triggerId: string;
    tenantId: string;
    name: string;
    forwardAsEventType?: string | null;
    secret: SealedSecret;
    now: Date;
  }
>;

/**
 * An HTTP call already verified by the caller (signature or secret checked
 * against this trigger's secret). `headers` are as received: the decider
 * decides which of them are kept.
 */
export type FireTrigger = Command<
  'FireTrigger',
  {
    runId: string;
    contentType: string | null;
    body: TriggerBody;
    bodyBytes: number;
    headers: Record<string, string>;
    now: Date;
  }
>;

/**
 * Renames a trigger or changes its forwarding. A field left out (undefined)
 * stays as it is; `forwardAsEventType` null or blank stops forwarding.
 */
export type UpdateTrigger = Command<
  'UpdateTrigger',
  {
    name?: string;
    forwardAsEventType?: string | null;
    now: Date;
  }
>;

export type RotateTriggerSecret = Command<'RotateTriggerSecret', { newSecret: SealedSecret; now: Date }>;

export type DeleteTrigger = Command<'DeleteTrigger', { now: Date }>;

export type RecordTriggerRunForwarded = Command<'RecordTriggerRunForwarded', { runId: string; messageId: string; now: Date }>;

export type TriggerCommand =
  | CreateTrigger
  | FireTrigger
  | UpdateTrigger
  | RotateTriggerSecret
  | DeleteTrigger
  | RecordTriggerRunForwarded;

/** A deleted trigger is gone for every purpose but its history. */
function live(state: TriggerState): Trigger {
  if (!state.exists || state.deleted) throw DomainError.notFound('Trigger not found');
  return state;
}

function create({ data }: CreateTrigger, state: TriggerState): TriggerEvent[] {
  if (state.exists) throw DomainError.alreadyExists(`Trigger ${state.id} already exists`, 'triggerId');
  const triggerId = requireText(data.triggerId, 'triggerId', { max: MAX_TRIGGER_ID_LENGTH });
  const tenantId = requireText(data.tenantId, 'tenantId', { max: MAX_TRIGGER_ID_LENGTH });
  const name = validateTriggerName(data.name);
  const forwardAsEventType = validateForwardAsEventType(data.forwardAsEventType);
  const secret = requireSealedSecret(data.secret, 'secret');
  const createdAt = isoTimestamp(data.now);
  return [{ type: 'TriggerCreated', data: { triggerId, tenantId, name, forwardAsEventType, secret, createdAt } }];
}

function fire({ data }: FireTrigger, state: TriggerState): TriggerEvent[] {
  const trigger = live(state);
  const runId = requireText(data.runId, 'runId', { max: MAX_TRIGGER_ID_LENGTH });
  const body = validateBody(data.body);
  const bodyBytes = validateBodyBytes(data.bodyBytes);
  if (typeof data.headers !== 'object' || data.headers === null) throw DomainError.invalidInput('headers', 'is required');
  const receivedAt = isoTimestamp(data.now);
  return [
    {
      type: 'TriggerFired',
      data: {
        triggerId: trigger.id,
        tenantId: trigger.tenantId,
        runId,
        receivedAt,
        contentType: normaliseContentType(data.contentType),
        bodyEncoding: body.encoding,
        body: body.value,
        bodyBytes,
        headers: headersToKeep(data.headers),
        forwardAsEventType: trigger.forwardAsEventType,
      },
    },
  ];
}

/** Nothing is recorded when nothing changes. */
function update({ data }: UpdateTrigger, state: TriggerState): TriggerEvent[] {
  const trigger = live(state);
  const name = data.name === undefined ? trigger.name : validateTriggerName(data.name);
  const forwardAsEventType =
    data.forwardAsEventType === undefined ? trigger.forwardAsEventType : validateForwardAsEventType(data.forwardAsEventType);
  const updatedAt = isoTimestamp(data.now);
  if (name === trigger.name && forwardAsEventType === trigger.forwardAsEventType) return [];
  return [{ type: 'TriggerUpdated', data: { name, forwardAsEventType, updatedAt } }];
}

function rotateSecret({ data }: RotateTriggerSecret, state: TriggerState): TriggerEvent[] {
  live(state);
  const newSecret = requireSealedSecret(data.newSecret, 'newSecret');
  return [{ type: 'TriggerSecretRotated', data: { newSecret, rotatedAt: isoTimestamp(data.now) } }];
}

function remove({ data }: DeleteTrigger, state: TriggerState): TriggerEvent[] {
  live(state);
  return [{ type: 'TriggerDeleted', data: { deletedAt: isoTimestamp(data.now) } }];
}

/** Still recorded after a deletion: the call was accepted while the trigger lived, and the message exists. */
function recordForwarded({ data }: RecordTriggerRunForwarded, state: TriggerState): TriggerEvent[] {
  if (!state.exists) throw DomainError.notFound('Trigger not found');
  const runId = requireText(data.runId, 'runId', { max: MAX_TRIGGER_ID_LENGTH });
  const messageId = requireText(data.messageId, 'messageId', { max: MAX_TRIGGER_ID_LENGTH });
  return [{ type: 'TriggerRunForwarded', data: { runId, messageId, forwardedAt: isoTimestamp(data.now) } }];
}

/** Returns the events a command causes; throws DomainError when refused. */
export function decideTrigger(command: TriggerCommand, state: TriggerState): TriggerEvent[] {
  switch (command.type) {
    case 'CreateTrigger':
      return create(command, state);
    case 'FireTrigger':
      return fire(command, state);
    case 'UpdateTrigger':
      return update(command, state);
    case 'RotateTriggerSecret':
      return rotateSecret(command, state);
    case 'DeleteTrigger':
      return remove(command, state);
    case 'RecordTriggerRunForwarded':
      return recordForwarded(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export const triggerDecider: Decider<TriggerCommand, TriggerEvent, TriggerState> = {
  decide: decideTrigger,
  evolve: evolveTrigger,
  initialState: initialTriggerState,
};
