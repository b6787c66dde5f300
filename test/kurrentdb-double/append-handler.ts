import { status, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
import type { DoubleActivity } from './double-activity.js';
import type { AppendOutcome, EventLog, ExpectedState, ProposedEvent } from './event-log.js';
import { AppendReq, AppendResp, type AppendReqMessage, type AppendRespMessage } from './protocol.js';
import { emptyMessage } from './read-responses.js';
import { fromUuidMessage } from './uuid-message.js';

const { ExpectedStreamRevisionCase } = AppendReq.Options;

/**
 * Streams.Append: a header with the stream and expected state, then the
 * events. Nothing is stored until the client half-closes, so an append that
 * is cut off midway leaves no trace, like KurrentDB's atomic appends.
 */
export function createAppendHandler(log: EventLog, activity: DoubleActivity) {
  return (call: ServerReadableStream<AppendReqMessage, AppendRespMessage>, callback: sendUnaryData<AppendRespMessage>): void => {
    let header: InstanceType<typeof AppendReq.Options> | undefined;
    const proposed: ProposedEvent[] = [];
    let invalid: string | undefined;

    call.on('data', (request: AppendReqMessage) => {
      if (request.hasOptions()) header = request.getOptions();
      else if (request.hasProposedMessage()) {
        const event = toProposedEvent(request.getProposedMessage()!);
        if (typeof event === 'string') invalid ??= event;
        else proposed.push(event);
      }
    });
    call.on('end', () => {
      const streamName = header?.getStreamIdentifier()?.getStreamName_asU8();
      if (!header || !streamName) return callback({ code: status.INVALID_ARGUMENT, details: 'Append without a header' });
      if (invalid) return callback({ code: status.INVALID_ARGUMENT, details: invalid });
      activity.appends += 1;
      const expected = expectedState(header);
      const outcome = log.append(Buffer.from(streamName).toString('utf8'), expected, proposed);
      callback(null, appendResponse(outcome, expected));
    });
    // The client went away mid-append: nothing to answer, nothing stored.
    call.on('error', () => undefined);
  };
}

function toProposedEvent(message: InstanceType<typeof AppendReq.ProposedMessage>): ProposedEvent | string {
  const id = fromUuidMessage(message.getId());
  if (!id) return 'Proposed message without an id';
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  if (!type || !contentType) return `Proposed message ${id} without a type or content-type`;
  return { id, type, contentType, data: message.getData_asU8(), customMetadata: message.getCustomMetadata_asU8() };
}

function expectedState(header: InstanceType<typeof AppendReq.Options>): ExpectedState {
  switch (header.getExpectedStreamRevisionCase()) {
    case ExpectedStreamRevisionCase.REVISION:
      return { kind: 'revision', revision: Number(header.getRevision()) };
    case ExpectedStreamRevisionCase.NO_STREAM:
      return { kind: 'no_stream' };
    case ExpectedStreamRevisionCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
}

function appendResponse(outcome: AppendOutcome, expected: ExpectedState): AppendRespMessage {
  if (outcome.kind === 'wrong_expected_version') {
    const wrong = new AppendResp.WrongExpectedVersion();
    if (outcome.currentRevision === undefined) wrong.setCurrentNoStream(emptyMessage());
    else wrong.setCurrentRevision(String(outcome.currentRevision));
    if (expected.kind === 'revision') wrong.setExpectedRevision(String(expected.revision));
    else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(emptyMessage());
    else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(emptyMessage());
    else wrong.setExpectedAny(emptyMessage());
    return new AppendResp().setWrongExpectedVersion(wrong);
  }

  const success = new AppendResp.Success();
  if (outcome.lastRevision === undefined) success.setNoStream(emptyMessage());
  else success.setCurrentRevision(String(outcome.lastRevision));
  if (outcome.kind === 'written') {
    const position = String(outcome.position);
    success.setPosition(new AppendResp.Position().setCommitPosition(position).setPreparePosition(position));
  } else {
    success.setNoPosition(emptyMessage());
  }
  return new AppendResp().setSuccess(success);
}
