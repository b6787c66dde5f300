import {
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type StatusObject,
} from '@grpc/grpc-js';
import type { DoubleActivity } from './double-activity.js';
import { parseCreateRequest, RefusedCreate } from './persistent-create-request.js';
import type { GroupConsumer, NackAction, PersistentGroup } from './persistent-group.js';
import type { PersistentGroups } from './persistent-groups.js';
import { persistentConfirmationResponse, persistentEventResponse } from './persistent-read-responses.js';
import { groupDoesNotExist, groupExists, maximumSubscribersReached } from './persistent-subscription-errors.js';
import {
  PersistentCreateResp,
  PersistentReadReq,
  type PersistentCreateReqMessage,
  type PersistentCreateRespMessage,
  type PersistentReadReqMessage,
  type PersistentReadRespMessage,
  type UuidMessage,
} from './protocol.js';
import { fromUuidMessage } from './uuid-message.js';

const { StreamOptionCase } = PersistentReadReq.Options;
const { Action } = PersistentReadReq.Nack;

/** PersistentSubscriptions.Create: a group on `$all`; a second Create of the same name is refused. */
export function createPersistentCreateHandler(groups: PersistentGroups) {
  return (
    call: ServerUnaryCall<PersistentCreateReqMessage, PersistentCreateRespMessage>,
    callback: sendUnaryData<PersistentCreateRespMessage>,
  ): void => {
    let definition;
    try {
      definition = parseCreateRequest(call.request);
    } catch (error) {
      if (error instanceof RefusedCreate) return callback({ code: error.code, details: error.message });
      return callback({ code: status.INTERNAL, details: `KurrentDB double: ${String(error)}` });
    }
    if (groups.create(definition) === 'exists') return callback(groupExists(definition.name));
    callback(null, new PersistentCreateResp());
  };
}

/**
 * PersistentSubscriptions.Read, a bidirectional call: the client's first
 * message names the group and its buffer size; the server confirms, then
 * sends events while the client sends acks and nacks by event id. When the
 * call ends, however it ends, the consumer's un-acknowledged messages go back
 * to the group.
 */
export function createPersistentReadHandler(groups: PersistentGroups, activity: DoubleActivity) {
  return (call: ServerDuplexStream<PersistentReadReqMessage, PersistentReadRespMessage>): void => {
    let joined: { group: PersistentGroup; consumer: GroupConsumer } | undefined;
    let finished = false;

    const leave = () => {
      finished = true;
      const was = joined;
      joined = undefined;
      was?.group.removeConsumer(was.consumer);
    };
    const fail = (error: Partial<StatusObject>) => {
      if (finished) return;
      leave();
      call.emit('error', error);
    };

    const join = (options: InstanceType<typeof PersistentReadReq.Options>) => {
      if (options.getStreamOptionCase() !== StreamOptionCase.ALL) {
        return fail({ code: status.UNIMPLEMENTED, details: 'The KurrentDB double only implements persistent subscriptions to $all' });
      }
      const name = options.getGroupName();
      const group = groups.group(name);
      if (!group) return fail(groupDoesNotExist(name));
      if (!group.canAcceptConsumer()) return fail(maximumSubscribersReached(name));

      const uuidFormat = options.getUuidOption()?.hasStructured() ? 'structured' : 'string';
      const consumer: GroupConsumer = {
        name: String(call.metadata.get('connection-name')[0] ?? '<unknown>'),
        bufferSize: Math.max(1, options.getBufferSize()),
        send: (event, retryCount) => {
          if (finished || call.cancelled || call.destroyed || call.writableEnded) return false;
          // In flight per consumer is bounded by its buffer size, so there is no need to wait for 'drain'.
          call.write(persistentEventResponse(event, retryCount, uuidFormat));
          activity.persistentEventsSent += 1;
          return true;
        },
      };
      activity.persistentSubscriptions += 1;
      call.write(persistentConfirmationResponse(name));
      joined = { group, consumer };
      group.addConsumer(consumer);
    };

    call.on('data', (request: PersistentReadReqMessage) => {
      if (finished) return;
      if (!joined) {
        if (!request.hasOptions()) {
          return fail({ code: status.INVALID_ARGUMENT, details: 'A persistent subscription must start with its options' });
        }
        return join(request.getOptions()!);
      }
      if (request.hasAck()) {
        const ids = eventIds(request.getAck()!.getIdsList());
        activity.acks += ids.length;
        joined.group.ack(ids);
      } else if (request.hasNack()) {
        const nack = request.getNack()!;
        const ids = eventIds(nack.getIdsList());
        activity.nacks += ids.length;
        joined.group.nack(nackAction(nack.getAction()), ids, nack.getReason());
      }
    });
    call.on('end', () => {
      leave();
      call.end();
    });
    for (const event of ['cancelled', 'error', 'close'] as const) call.on(event, leave);
  };
}

function eventIds(ids: UuidMessage[]): string[] {
  return ids.map(fromUuidMessage).filter((id): id is string => id !== undefined);
}

/** KurrentDB treats an unknown action as a retry. */
function nackAction(action: number): NackAction {
  switch (action) {
    case Action.PARK:
      return 'park';
    case Action.SKIP:
      return 'skip';
    case Action.STOP:
      return 'stop';
    default:
      return 'retry';
  }
}
