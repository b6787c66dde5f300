import type { EventLog } from './event-log.js';
import { PersistentGroup, type GroupDefinition, type GroupInfo, type ParkedMessage } from './persistent-group.js';

/** What tests may look at: the state of a group on the running server. */
export interface PersistentSubscriptionsView {
  /** Undefined when there is no such group, or the server is stopped. */
  info(group: string): GroupInfo | undefined;
}

/**
 * The persistent subscription groups of the double. Definitions and parked
 * messages outlive the gRPC server (KurrentDB keeps them in streams);
 * everything else is rebuilt from the checkpoints when the server starts.
 */
export class PersistentGroups implements PersistentSubscriptionsView {
  private readonly definitions = new Map<string, GroupDefinition>();
  private readonly parked = new Map<string, ParkedMessage[]>();
  private readonly running = new Map<string, PersistentGroup>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: EventLog,
    /** KurrentDB checks time-outs and time-based checkpoints once a second; the double more often, to keep tests short. */
    private readonly tickMs: number,
  ) {}

  /** The server starts: every group is loaded, as KurrentDB does at start-up. */
  start(): void {
    if (this.ticker) return;
    for (const definition of this.definitions.values()) this.load(definition);
    this.ticker = setInterval(() => this.tick(), this.tickMs);
    this.ticker.unref();
  }

  /** The server goes away: consumers, messages in flight and retries are lost. */
  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    for (const group of this.running.values()) group.dispose();
    this.running.clear();
  }

  create(definition: GroupDefinition): 'created' | 'exists' {
    if (this.definitions.has(definition.name)) return 'exists';
    this.definitions.set(definition.name, definition);
    this.parked.set(definition.name, []);
    if (this.ticker) this.load(definition);
    return 'created';
  }

  group(name: string): PersistentGroup | undefined {
    return this.running.get(name);
  }

  info(name: string): GroupInfo | undefined {
    return this.running.get(name)?.info();
  }

  private load(definition: GroupDefinition): void {
    this.running.set(definition.name, new PersistentGroup(definition, this.log, this.parked.get(definition.name)!));
  }

  private tick(): void {
    const now = Date.now();
    for (const group of this.running.values()) group.tick(now);
  }
}
