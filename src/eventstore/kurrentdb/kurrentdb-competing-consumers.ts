import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { CompetingConsumerOptions, CompetingConsumers, CompetingSubscription } from '../competing-consumers.js';
import { EventStoreUnavailable } from '../errors.js';
import { planAllFilter } from './all-filter.js';
import { toStoreError } from './client-errors.js';
import { KurrentDbCompetingSubscription } from './competing-subscription.js';
import { retryOnConnectionFailure } from './connection-retry.js';
import { createGroupIfMissing, type GroupSettings } from './persistent-group.js';

export interface KurrentDbCompetingConsumersOptions {
  /**
   * How long joining keeps trying while the server cannot be reached, and how
   * long a subscription keeps reconnecting after its connection drops before
   * its iterator throws. Default 30 s.
   */
  reconnectForMs?: number;
  /**
   * For groups this creates: KurrentDB writes a group's checkpoint (up to
   * which everything is settled) at most this often while fewer than 500 log
   * entries are settled or skipped since the last one. After a server
   * restart, what was settled since the last checkpoint is handed out again.
   * Default 2 s (KurrentDB's default).
   */
  checkpointAfterMs?: number;
}

const DEFAULTS = {
  reconnectForMs: 30_000,
  checkpointAfterMs: 2_000,
  bufferSize: 10,
  messageTimeoutMs: 30_000,
  maxRetryCount: 10,
  // Log entries the filter skips count towards a checkpoint, the group's own checkpoint events among them: with 1, an
  // idle group would write a checkpoint every checkpointAfterMs for ever. With 2 a single settled message waits for one
  // more entry in $all, which hookgate's own writes (a delivery records its outcome) provide.
  minCheckpointCount: 2,
  maxCheckpointCount: 500,
};

export function createKurrentDbCompetingConsumers(
  connectionString: string,
  options?: KurrentDbCompetingConsumersOptions,
): CompetingConsumers {
  return new KurrentDbCompetingConsumers(connectionString, options);
}

/**
 * Competing consumers on KurrentDB persistent subscriptions to `$all`, with
 * the round-robin strategy. Each consumer name gets its own client, whose
 * connection carries the name, so that KurrentDB's statistics show which
 * instance holds which messages.
 */
export class KurrentDbCompetingConsumers implements CompetingConsumers {
  private readonly clients = new Map<string, KurrentDBClient>();
  private readonly subscriptions = new Set<KurrentDbCompetingSubscription>();
  private readonly reconnectForMs: number;
  private readonly checkpointAfterMs: number;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    options: KurrentDbCompetingConsumersOptions = {},
  ) {
    this.reconnectForMs = options.reconnectForMs ?? DEFAULTS.reconnectForMs;
    this.checkpointAfterMs = options.checkpointAfterMs ?? DEFAULTS.checkpointAfterMs;
  }

  async join(options: CompetingConsumerOptions): Promise<CompetingSubscription> {
    this.assertOpen();
    validate(options);
    const client = this.clientFor(options.consumerName);
    const filter = planAllFilter(options.filter);
    const settings: GroupSettings = {
      startFrom: options.startFrom,
      messageTimeoutMs: options.messageTimeoutMs ?? DEFAULTS.messageTimeoutMs,
      maxRetryCount: options.maxRetryCount ?? DEFAULTS.maxRetryCount,
      checkpointAfterMs: this.checkpointAfterMs,
      minCheckpointCount: DEFAULTS.minCheckpointCount,
      maxCheckpointCount: DEFAULTS.maxCheckpointCount,
    };
    try {
      await retryOnConnectionFailure(
        () => createGroupIfMissing(client, options.group, filter.server, settings),
        this.reconnectForMs,
      );
    } catch (error) {
      throw toStoreError(error, `creating the persistent subscription group ${options.group}`);
    }

    const bufferSize = options.bufferSize ?? DEFAULTS.bufferSize;
    const subscription = new KurrentDbCompetingSubscription(
      () => client.subscribeToPersistentSubscriptionToAll(options.group, { bufferSize }),
      filter,
      { group: options.group, reconnectForMs: this.reconnectForMs },
      (finished) => this.subscriptions.delete(finished),
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.confirmed();
    } catch (error) {
      await subscription.close();
      throw error;
    }
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.abandon()));
    await Promise.all([...this.clients.values()].map((client) => client.dispose()));
  }

  private clientFor(consumerName: string): KurrentDBClient {
    let client = this.clients.get(consumerName);
    if (!client) {
      client = KurrentDBClient.connectionString(withConnectionName(this.connectionString, consumerName));
      this.clients.set(consumerName, client);
    }
    return client;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('The competing consumers are closed');
  }
}

/** A later `connectionName` in the query wins over one the operator may have put there. */
function withConnectionName(connectionString: string, name: string): string {
  const base = connectionString.trim().replace(/\/+$/, '');
  return `${base}${base.includes('?') ? '&' : '?'}connectionName=${encodeURIComponent(name)}`;
}

function validate(options: CompetingConsumerOptions): void {
  const fail = (field: string, rule: string) => {
    throw new RangeError(`Competing consumer option ${field} ${rule}`);
  };
  if (!options.group.trim()) fail('group', 'must not be empty');
  if (!options.consumerName.trim()) fail('consumerName', 'must not be empty');
  if (options.startFrom !== 'start' && options.startFrom !== 'end') fail('startFrom', "must be 'start' or 'end'");
  if (options.bufferSize !== undefined && !(Number.isInteger(options.bufferSize) && options.bufferSize >= 1)) {
    fail('bufferSize', 'must be a whole number of at least 1');
  }
  if (options.messageTimeoutMs !== undefined && !(Number.isInteger(options.messageTimeoutMs) && options.messageTimeoutMs >= 1)) {
    fail('messageTimeoutMs', 'must be a whole number of milliseconds, at least 1');
  }
  if (options.maxRetryCount !== undefined && !(Number.isInteger(options.maxRetryCount) && options.maxRetryCount >= 0)) {
    fail('maxRetryCount', 'must be a whole number of at least 0');
  }
}
