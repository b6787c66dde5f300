import { status } from '@grpc/grpc-js';
import { eventFilter, InvalidFilter } from './event-filter.js';
import type { GroupDefinition, GroupSettings, GroupStart } from './persistent-group.js';
import { PersistentCreateReq, type PersistentCreateReqMessage } from './protocol.js';

/** A Create the double refuses, with the gRPC status to answer. */
export class RefusedCreate extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

const { StreamOptionCase } = PersistentCreateReq.Options;
const { AllOptionCase, FilterOptionCase } = PersistentCreateReq.AllOptions;
const { MessageTimeoutCase, CheckpointAfterCase } = PersistentCreateReq.Settings;
const { ConsumerStrategy } = PersistentCreateReq;

const TICKS_PER_MILLISECOND = 10_000;
// KurrentDB's defaults for the two durations when a client sends neither form.
const DEFAULT_MESSAGE_TIMEOUT_MS = 30_000;
const DEFAULT_CHECKPOINT_AFTER_MS = 2_000;

/** PersistentSubscriptions.Create for `$all`, reduced to what the double acts on. */
export function parseCreateRequest(request: PersistentCreateReqMessage): GroupDefinition {
  const options = request.getOptions();
  if (!options) throw invalid('CreateReq without options');
  const name = options.getGroupName();
  if (!name) throw invalid('CreateReq without a group name');
  if (options.getStreamOptionCase() !== StreamOptionCase.ALL) {
    throw new RefusedCreate(status.UNIMPLEMENTED, 'The KurrentDB double only implements persistent subscriptions to $all');
  }
  const all = options.getAll()!;
  const settings = options.getSettings();
  if (!settings) throw invalid('CreateReq without settings');

  return { name, startFrom: parseStart(all), filter: parseFilter(all), settings: parseSettings(settings) };
}

function parseStart(all: InstanceType<typeof PersistentCreateReq.AllOptions>): GroupStart {
  switch (all.getAllOptionCase()) {
    case AllOptionCase.START:
      return { kind: 'start' };
    case AllOptionCase.END:
      return { kind: 'end' };
    case AllOptionCase.POSITION:
      return { kind: 'position', position: Number(all.getPosition()!.getCommitPosition()) };
    default:
      throw invalid('CreateReq for $all without a start position');
  }
}

function parseFilter(all: InstanceType<typeof PersistentCreateReq.AllOptions>): GroupDefinition['filter'] {
  if (all.getFilterOptionCase() !== FilterOptionCase.FILTER) return undefined;
  try {
    return eventFilter(all.getFilter()!);
  } catch (error) {
    if (error instanceof InvalidFilter) throw invalid(error.message);
    throw error;
  }
}

function parseSettings(settings: InstanceType<typeof PersistentCreateReq.Settings>): GroupSettings {
  // The server takes the named strategy when the free-form one is empty; the Node client sends RoundRobin that way.
  const strategy = settings.getConsumerStrategy() || strategyName(settings.getNamedConsumerStrategy());
  if (strategy !== 'RoundRobin') {
    throw new RefusedCreate(status.UNIMPLEMENTED, `The KurrentDB double only implements the RoundRobin consumer strategy, not ${strategy}`);
  }
  return {
    messageTimeoutMs: milliseconds(
      settings.getMessageTimeoutCase() === MessageTimeoutCase.MESSAGE_TIMEOUT_MS ? settings.getMessageTimeoutMs() : undefined,
      settings.getMessageTimeoutCase() === MessageTimeoutCase.MESSAGE_TIMEOUT_TICKS ? settings.getMessageTimeoutTicks() : undefined,
      DEFAULT_MESSAGE_TIMEOUT_MS,
    ),
    checkpointAfterMs: milliseconds(
      settings.getCheckpointAfterCase() === CheckpointAfterCase.CHECKPOINT_AFTER_MS ? settings.getCheckpointAfterMs() : undefined,
      settings.getCheckpointAfterCase() === CheckpointAfterCase.CHECKPOINT_AFTER_TICKS ? settings.getCheckpointAfterTicks() : undefined,
      DEFAULT_CHECKPOINT_AFTER_MS,
    ),
    maxRetryCount: settings.getMaxRetryCount(),
    minCheckpointCount: settings.getMinCheckpointCount(),
    maxCheckpointCount: settings.getMaxCheckpointCount(),
    maxSubscriberCount: settings.getMaxSubscriberCount(),
  };
}

function strategyName(named: number): string {
  switch (named) {
    case ConsumerStrategy.ROUNDROBIN:
      return 'RoundRobin';
    case ConsumerStrategy.PINNED:
      return 'Pinned';
    default:
      return 'DispatchToSingle';
  }
}

function milliseconds(ms: number | undefined, ticks: string | undefined, fallback: number): number {
  if (ms !== undefined) return ms;
  if (ticks !== undefined) return Number(ticks) / TICKS_PER_MILLISECOND;
  return fallback;
}

function invalid(message: string): RefusedCreate {
  return new RefusedCreate(status.INVALID_ARGUMENT, message);
}
