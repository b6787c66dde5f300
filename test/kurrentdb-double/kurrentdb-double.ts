import { Server, ServerCredentials } from '@grpc/grpc-js';
import { setMaxListeners } from 'node:events';
import { createAppendHandler } from './append-handler.js';
import { noActivity, type DoubleActivity } from './double-activity.js';
import { EventLog } from './event-log.js';
import { PersistentGroups, type PersistentSubscriptionsView } from './persistent-groups.js';
import { createPersistentCreateHandler, createPersistentReadHandler } from './persistent-subscriptions-handler.js';
import { PersistentSubscriptionsService, ServerFeaturesService, StreamsService } from './protocol.js';
import { createReadHandler } from './read-handler.js';
import { getSupportedMethods } from './server-features-handler.js';

export interface KurrentDbDoubleOptions {
  /** Defaults to a free port picked by the OS. */
  port?: number;
  /**
   * Start with a few `$`-typed system events in `$all`, as a fresh KurrentDB
   * has, so readers that forget to skip them notice. Defaults to true.
   */
  seedSystemEvents?: boolean;
  /**
   * How often persistent subscription groups check message time-outs and
   * time-based checkpoints. KurrentDB does it once a second; the default
   * here is 100 ms so that tests of time-outs stay short.
   */
  persistentSubscriptionTickMs?: number;
}

/** An in-process stand-in for a single insecure KurrentDB node. See README.md for what it leaves out. */
export interface KurrentDbDouble {
  readonly port: number;
  /** For both the Node client and its native reader; `discoveryInterval=0` keeps reconnects fast. */
  readonly connectionString: string;
  /** The stored events, which survive `stop()`; tests may append to it directly (for example `$` events). */
  readonly log: EventLog;
  /** Counters since the double started, across restarts. */
  readonly activity: DoubleActivity;
  /** The persistent subscription groups as the running server holds them. */
  readonly persistentSubscriptions: PersistentSubscriptionsView;
  readonly running: boolean;
  /** The server goes away: open connections are cut, new ones refused. Data is kept. */
  stop(): Promise<void>;
  /** The server comes back on the same port with the same data. */
  start(): Promise<void>;
  /** `stop()` then `start()`: every open connection and call is dropped. */
  restart(): Promise<void>;
}

const FIRST_POSITION = 128;
const BIND_ATTEMPTS = 50;
const BIND_RETRY_MS = 20;

export async function startKurrentDbDouble(options: KurrentDbDoubleOptions = {}): Promise<KurrentDbDouble> {
  const log = new EventLog(FIRST_POSITION);
  if (options.seedSystemEvents ?? true) seedSystemEvents(log);
  const double = new GrpcKurrentDbDouble(log, new PersistentGroups(log, options.persistentSubscriptionTickMs ?? 100));
  await double.listen(options.port ?? 0);
  return double;
}

class GrpcKurrentDbDouble implements KurrentDbDouble {
  private server: Server | undefined;
  private serverStopped = new AbortController();
  private boundPort = 0;

  readonly activity = noActivity();

  constructor(
    readonly log: EventLog,
    private readonly groups: PersistentGroups,
  ) {}

  get persistentSubscriptions(): PersistentSubscriptionsView {
    return this.groups;
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionString(): string {
    return `kurrentdb://127.0.0.1:${this.boundPort}?tls=false&discoveryInterval=0`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async listen(port: number): Promise<void> {
    const server = new Server();
    this.serverStopped = new AbortController();
    // Every read waiting for the client or for new events listens for the stop: several gateways hold more than ten.
    setMaxListeners(0, this.serverStopped.signal);
    // Delete, Tombstone and BatchAppend are left to grpc-js, which answers UNIMPLEMENTED.
    server.addService(StreamsService, {
      read: createReadHandler(this.log, this.activity, this.serverStopped.signal),
      append: createAppendHandler(this.log, this.activity),
    });
    // Update, Delete, GetInfo, ReplayParked, List and RestartSubsystem are left to grpc-js (UNIMPLEMENTED).
    server.addService(PersistentSubscriptionsService, {
      create: createPersistentCreateHandler(this.groups),
      read: createPersistentReadHandler(this.groups, this.activity),
    });
    server.addService(ServerFeaturesService, { getSupportedMethods });
    this.boundPort = await bindWithRetry(server, port);
    this.groups.start();
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.serverStopped.abort();
    this.groups.stop();
    server.forceShutdown();
  }

  async start(): Promise<void> {
    if (this.server) return;
    await this.listen(this.boundPort);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** The port of a server just shut down can take a moment to be free again. */
async function bindWithRetry(server: Server, port: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new Promise<number>((resolve, reject) => {
        server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, boundPort) =>
          error ? reject(error) : resolve(boundPort),
        );
      });
    } catch (error) {
      if (port === 0 || attempt >= BIND_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, BIND_RETRY_MS));
    }
  }
}

function seedSystemEvents(log: EventLog): void {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
  const systemEvent = (type: string, data: unknown) => ({
    id: crypto.randomUUID(),
    type,
    contentType: 'application/json',
    data: json(data),
    customMetadata: new Uint8Array(),
  });
  log.append('$settings', { kind: 'any' }, [systemEvent('$settings', { $userStreamAcl: {}, $systemStreamAcl: {} })]);
  log.append('$$$scavenges', { kind: 'any' }, [systemEvent('$metadata', { $maxAge: 2_592_000 })]);
}
