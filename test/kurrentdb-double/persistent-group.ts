import { randomUUID } from 'node:crypto';
import type { EventLog, LoggedEvent } from './event-log.js';

export interface GroupSettings {
  /** How long a consumer may hold a message before it is handed out again; 0 or less: for ever. */
  messageTimeoutMs: number;
  /** A message handed out this many times again is parked instead of retried. */
  maxRetryCount: number;
  checkpointAfterMs: number;
  minCheckpointCount: number;
  maxCheckpointCount: number;
  /** 0: any number. */
  maxSubscriberCount: number;
}

/** Where a group with no checkpoint starts reading `$all`; a position is inclusive. */
export type GroupStart = { kind: 'start' } | { kind: 'end' } | { kind: 'position'; position: number };

/** What Create stores. It outlives restarts, like KurrentDB's `$persistentSubscriptionConfig` stream. */
export interface GroupDefinition {
  name: string;
  /** Undefined: every event of `$all`. */
  filter: ((event: LoggedEvent) => boolean) | undefined;
  startFrom: GroupStart;
  settings: GroupSettings;
}

export interface ParkedMessage {
  event: LoggedEvent;
  reason: string;
}

/** One connected Read call of the group. */
export interface GroupConsumer {
  /** The client's `connection-name`. */
  readonly name: string;
  /** How many messages it may hold un-acknowledged. */
  readonly bufferSize: number;
  /** False when the call is gone. */
  send(event: LoggedEvent, retryCount: number): boolean;
}

export type NackAction = 'park' | 'retry' | 'skip' | 'stop';

/** What tests can see of a running group. */
export interface GroupInfo {
  consumers: { name: string; inFlight: number }[];
  inFlight: number;
  waitingForRetry: number;
  parked: readonly ParkedMessage[];
  /** The last checkpoint written, a log position. */
  checkpoint: number | undefined;
}

interface Delivery {
  event: LoggedEvent;
  /** Index of the event in the log, which orders deliveries like KurrentDB's sequence numbers. */
  index: number;
  retryCount: number;
}

interface InFlight extends Delivery {
  consumer: GroupConsumer;
  expiresAt: number;
}

/** KurrentDB's checkpoint stream for a group on `$all`; the events are `$`-typed, so the adapter never surfaces them. */
export function checkpointStreamName(group: string): string {
  return `$persistentsubscription-$all::${group}-checkpoint`;
}

const CHECKPOINT_EVENT_TYPE = '$SubscriptionCheckpoint';

/**
 * One persistent subscription group as a running KurrentDB node holds it,
 * following the server's PersistentSubscription class:
 *
 * - messages go round robin to the consumers that have room (each holds at
 *   most its buffer size un-acknowledged); retries go out before new events;
 * - a nack "retry", a message time-out and a consumer going away put the
 *   message back with its retry count plus one; a nack "retry" or a time-out
 *   of a message already retried `maxRetryCount` times parks it instead
 *   (a consumer going away never parks, as on the server for gRPC clients);
 * - an ack (from any consumer of the group: the server matches ids only)
 *   settles the message wherever it is in flight;
 * - the checkpoint is the position just before the lowest message not yet
 *   settled (in flight or waiting for a retry), written to the checkpoint
 *   stream in the log when `maxCheckpointCount` entries are settled, or on
 *   a tick once `checkpointAfterMs` have passed and `minCheckpointCount`
 *   are. Log entries the filter skips count, as on the server.
 *
 * Everything here except the checkpoints (in the log) and the parked
 * messages (kept by PersistentGroups) is lost when the server stops: a group
 * loaded again starts after its last checkpoint, or at its start position.
 */
export class PersistentGroup {
  private cursor: number;
  /** Ordered by log index. */
  private readonly retries: Delivery[] = [];
  private readonly inFlight = new Map<string, InFlight>();
  private readonly consumers: GroupConsumer[] = [];
  private readonly held = new Map<GroupConsumer, Set<string>>();
  private roundRobin = 0;
  /** Log index: everything before it was settled at the last checkpoint. */
  private checkpointedUpTo: number;
  private lastCheckpointAt = 0;
  private dispatching = false;
  private dispatchAgain = false;
  private disposed = false;
  private readonly stopWatchingLog: () => void;

  constructor(
    readonly definition: GroupDefinition,
    private readonly log: EventLog,
    private readonly parked: ParkedMessage[],
  ) {
    const checkpoint = readCheckpoint(log, definition.name);
    this.cursor = checkpoint === undefined ? startIndex(log, definition.startFrom) : log.indexAtOrAfter(checkpoint + 1);
    this.checkpointedUpTo = this.cursor;
    this.stopWatchingLog = log.onAppend(() => this.dispatch());
  }

  get name(): string {
    return this.definition.name;
  }

  get settings(): GroupSettings {
    return this.definition.settings;
  }

  canAcceptConsumer(): boolean {
    return this.settings.maxSubscriberCount <= 0 || this.consumers.length < this.settings.maxSubscriberCount;
  }

  addConsumer(consumer: GroupConsumer): void {
    if (this.disposed) return;
    this.consumers.push(consumer);
    this.held.set(consumer, new Set());
    this.dispatch();
  }

  /** Its un-acknowledged messages go back to the group, in log order, with their retry count plus one. */
  removeConsumer(consumer: GroupConsumer): void {
    if (this.disposed) return;
    const at = this.consumers.indexOf(consumer);
    if (at < 0) return;
    this.consumers.splice(at, 1);
    const ids = this.held.get(consumer) ?? new Set<string>();
    this.held.delete(consumer);
    const lost = [...ids].map((id) => this.inFlight.get(id)!).sort(byIndex);
    for (const message of lost) this.retry(message);
    this.dispatch();
  }

  ack(ids: string[]): void {
    if (this.disposed) return;
    for (const id of ids) {
      const message = this.inFlight.get(id);
      if (message) this.settle(message);
    }
    this.maybeCheckpoint(false);
    this.dispatch();
  }

  nack(action: NackAction, ids: string[], reason: string): void {
    if (this.disposed) return;
    for (const id of ids) {
      const message = this.inFlight.get(id);
      if (!message) continue;
      switch (action) {
        case 'retry':
          this.retryOrPark(message);
          break;
        case 'park':
          this.park(message, `Client explicitly NAK'ed message.\n${reason}`);
          break;
        case 'skip':
          this.settle(message);
          break;
        case 'stop':
          // KurrentDB does nothing either: the message stays in flight until it times out.
          break;
      }
    }
    this.maybeCheckpoint(false);
    this.dispatch();
  }

  /** The server's clock: message time-outs, then the time-based checkpoint. */
  tick(now: number): void {
    if (this.disposed) return;
    const expired = [...this.inFlight.values()].filter((message) => message.expiresAt <= now).sort(byIndex);
    for (const message of expired) this.retryOrPark(message);
    this.dispatch();
    this.maybeCheckpoint(true);
  }

  info(): GroupInfo {
    return {
      consumers: this.consumers.map((consumer) => ({ name: consumer.name, inFlight: this.held.get(consumer)?.size ?? 0 })),
      inFlight: this.inFlight.size,
      waitingForRetry: this.retries.length,
      parked: [...this.parked],
      checkpoint: readCheckpoint(this.log, this.name),
    };
  }

  /** The server stopped: nothing of this instance survives. */
  dispose(): void {
    this.disposed = true;
    this.stopWatchingLog();
  }

  /** Re-entrant calls (a checkpoint written while dispatching appends to the log) just ask for one more round. */
  private dispatch(): void {
    if (this.disposed) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        this.pushWhileConsumersHaveRoom();
      } while (this.dispatchAgain && !this.disposed);
    } finally {
      this.dispatching = false;
    }
  }

  private pushWhileConsumersHaveRoom(): void {
    for (;;) {
      const consumer = this.nextConsumerWithRoom();
      if (!consumer) return;
      const delivery = this.retries.shift() ?? this.nextFromLog();
      if (!delivery) return;
      // KurrentDB skips an event whose id is already in flight (the same id in two streams).
      if (this.inFlight.has(delivery.event.id)) continue;

      const timeout = this.settings.messageTimeoutMs;
      const message: InFlight = { ...delivery, consumer, expiresAt: timeout > 0 ? Date.now() + timeout : Infinity };
      this.inFlight.set(delivery.event.id, message);
      this.held.get(consumer)!.add(delivery.event.id);
      if (!consumer.send(delivery.event, delivery.retryCount)) this.removeConsumer(consumer);
    }
  }

  private nextConsumerWithRoom(): GroupConsumer | undefined {
    const count = this.consumers.length;
    for (let i = 0; i < count; i++) {
      const consumer = this.consumers[(this.roundRobin + i) % count]!;
      if (this.held.get(consumer)!.size < consumer.bufferSize) {
        this.roundRobin = (this.roundRobin + i + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private nextFromLog(): Delivery | undefined {
    const filter = this.definition.filter;
    while (this.cursor < this.log.length) {
      const index = this.cursor++;
      const event = this.log.at(index)!;
      if (!filter || filter(event)) return { event, index, retryCount: 0 };
    }
    return undefined;
  }

  private retryOrPark(message: InFlight): void {
    if (message.retryCount >= this.settings.maxRetryCount) {
      this.park(message, `Reached retry count of ${this.settings.maxRetryCount}`);
    } else {
      this.retry(message);
    }
  }

  private retry(message: InFlight): void {
    this.settle(message);
    const delivery: Delivery = { event: message.event, index: message.index, retryCount: message.retryCount + 1 };
    const at = this.retries.findIndex((waiting) => waiting.index > delivery.index);
    this.retries.splice(at < 0 ? this.retries.length : at, 0, delivery);
  }

  private park(message: InFlight, reason: string): void {
    this.settle(message);
    this.parked.push({ event: message.event, reason });
  }

  private settle(message: InFlight): void {
    this.inFlight.delete(message.event.id);
    this.held.get(message.consumer)?.delete(message.event.id);
  }

  private maybeCheckpoint(timeCheck: boolean): void {
    const upTo = this.lowestUnsettled();
    const settled = upTo - this.checkpointedUpTo;
    if (settled <= 0 || upTo === 0) return;
    const { checkpointAfterMs, minCheckpointCount, maxCheckpointCount } = this.settings;
    const now = Date.now();
    if (now - this.lastCheckpointAt < checkpointAfterMs && settled < maxCheckpointCount) return;
    if (!(timeCheck && settled >= minCheckpointCount) && settled < maxCheckpointCount) return;

    this.lastCheckpointAt = now;
    this.checkpointedUpTo = upTo;
    writeCheckpoint(this.log, this.name, this.log.at(upTo - 1)!.position);
  }

  private lowestUnsettled(): number {
    let lowest = this.cursor;
    for (const message of this.inFlight.values()) lowest = Math.min(lowest, message.index);
    if (this.retries[0]) lowest = Math.min(lowest, this.retries[0].index);
    return lowest;
  }
}

function startIndex(log: EventLog, start: GroupStart): number {
  switch (start.kind) {
    case 'start':
      return 0;
    case 'end':
      return log.length;
    case 'position':
      return log.indexAtOrAfter(start.position);
  }
}

/** KurrentDB writes a `$all` checkpoint as the JSON string "C:<commit>/P:<prepare>". */
function writeCheckpoint(log: EventLog, group: string, position: number): void {
  const data = Buffer.from(JSON.stringify(`C:${position}/P:${position}`), 'utf8');
  log.append(checkpointStreamName(group), { kind: 'any' }, [
    { id: randomUUID(), type: CHECKPOINT_EVENT_TYPE, contentType: 'application/json', data, customMetadata: new Uint8Array() },
  ]);
}

function readCheckpoint(log: EventLog, group: string): number | undefined {
  const last = log.stream(checkpointStreamName(group))?.at(-1);
  if (!last) return undefined;
  const text = JSON.parse(Buffer.from(last.data).toString('utf8')) as string;
  const commit = /^C:(\d+)\/P:\d+$/.exec(text)?.[1];
  if (commit === undefined) throw new Error(`Unreadable checkpoint ${text} for group ${group}`);
  return Number(commit);
}

function byIndex(a: Delivery, b: Delivery): number {
  return a.index - b.index;
}
