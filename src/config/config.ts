import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

/** A flag that is on unless set to false or 0. */
const onUnlessOff = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value !== 'false' && value !== '0');

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOOKGATE_DATA_DIR: z.string().min(1).default('./data'),
  HOOKGATE_SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  KURRENTDB_CONNECTION_STRING: z.string().min(1).optional(),
  HOOKGATE_ALLOW_HTTP: booleanFlag,
  HOOKGATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  HOOKGATE_ENCRYPTION_KEY: z.string().min(1).optional(),
  HOOKGATE_READ_MODEL_PATH: z.string().min(1).optional(),
  HOOKGATE_ALLOW_PRIVATE_TARGETS: booleanFlag,
  HOOKGATE_SENDER_THREAD: onUnlessOff,
  HOOKGATE_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(1).max(300_000).default(15_000),
  HOOKGATE_RETRY_SCHEDULE: z.string().min(1).optional(),
  HOOKGATE_DISABLE_AFTER: z.string().min(1).default('5d'),
  HOOKGATE_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(256),
  HOOKGATE_DELIVERY_CONCURRENCY_PER_WEBHOOK: z.coerce.number().int().min(1).max(1_000).default(16),
  HOOKGATE_PUBLISH_BACKLOG: z.coerce.number().int().min(0).max(10_000_000).optional(),
  HOOKGATE_PUBLISH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  HOOKGATE_SUBSCRIPTION_BUFFER: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  HOOKGATE_INSTANCE_ID: z.string().min(1).max(128).optional(),
  HOOKGATE_DELIVERY_TAKEOVER_AFTER: z.string().min(1).optional(),
});

export interface Config {
  port: number;
  host: string;
  production: boolean;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  dataDir: string;
  sqliteSynchronous: 'NORMAL' | 'FULL';
  kurrentDbConnectionString: string | undefined;
  allowHttp: boolean;
  adminToken: string | undefined;
  encryptionKey: string | undefined;
  /** The read-model database: a file, or `:memory:` to rebuild from the log at every start. */
  readModelPath: string;
  /** Lets deliveries and registrations reach loopback, private and link-local addresses (tests, local development). */
  allowPrivateTargets: boolean;
  deliveryTimeoutMs: number;
  /** Deliveries' HTTP work runs in a thread of its own (the default), or in the main thread when false. */
  senderThread: boolean;
  /** Raw `HOOKGATE_RETRY_SCHEDULE` (e.g. `0,5s,5m`); parsed by the delivery module, undefined for the default schedule. */
  retrySchedule: string | undefined;
  /** Raw `HOOKGATE_DISABLE_AFTER` (e.g. `5d`): how long a webhook may fail every delivery before it is deactivated. */
  disableAfter: string;
  /** Requests in flight at once, over all webhooks and per webhook. */
  deliveryConcurrency: number;
  deliveryConcurrencyPerWebhook: number;
  /**
   * Due deliveries waiting for a request slot beyond which publishEvent waits (backpressure); 0 turns it off.
   * Default: 4 times the delivery concurrency.
   */
  publishBacklog: number;
  /** The longest a publish waits for the backlog to shrink before it goes ahead anyway. */
  publishMaxWaitMs: number;
  /** Messages a GraphQL subscriber may fall behind before it is cut off. */
  subscriptionBuffer: number;
  /** Names this gateway among several sharing a KurrentDB (the consumer name in its persistent subscription). */
  instanceId: string;
  /**
   * Raw `HOOKGATE_DELIVERY_TAKEOVER_AFTER` (e.g. `60s`): with several instances on KurrentDB, how long a due delivery
   * may wait for its instance before another attempts it; parsed by the delivery module, undefined for the default.
   */
  deliveryTakeoverAfter: string | undefined;
}

/** Reads the configuration from the environment; a bad value stops the start with the variable's name. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const env = parsed.data;
  return {
    port: env.PORT,
    host: env.HOST,
    production: env.NODE_ENV === 'production',
    logLevel: env.LOG_LEVEL,
    dataDir: resolve(env.HOOKGATE_DATA_DIR),
    sqliteSynchronous: env.HOOKGATE_SQLITE_SYNCHRONOUS,
    kurrentDbConnectionString: env.KURRENTDB_CONNECTION_STRING,
    allowHttp: env.HOOKGATE_ALLOW_HTTP,
    adminToken: env.HOOKGATE_ADMIN_TOKEN,
    encryptionKey: env.HOOKGATE_ENCRYPTION_KEY,
    readModelPath:
      env.HOOKGATE_READ_MODEL_PATH === ':memory:'
        ? ':memory:'
        : resolve(env.HOOKGATE_READ_MODEL_PATH ?? `${env.HOOKGATE_DATA_DIR}/readmodels.db`),
    allowPrivateTargets: env.HOOKGATE_ALLOW_PRIVATE_TARGETS,
    deliveryTimeoutMs: env.HOOKGATE_DELIVERY_TIMEOUT_MS,
    senderThread: env.HOOKGATE_SENDER_THREAD,
    retrySchedule: env.HOOKGATE_RETRY_SCHEDULE,
    disableAfter: env.HOOKGATE_DISABLE_AFTER,
    deliveryConcurrency: env.HOOKGATE_DELIVERY_CONCURRENCY,
    deliveryConcurrencyPerWebhook: env.HOOKGATE_DELIVERY_CONCURRENCY_PER_WEBHOOK,
    publishBacklog: env.HOOKGATE_PUBLISH_BACKLOG ?? 4 * env.HOOKGATE_DELIVERY_CONCURRENCY,
    publishMaxWaitMs: env.HOOKGATE_PUBLISH_MAX_WAIT_MS,
    subscriptionBuffer: env.HOOKGATE_SUBSCRIPTION_BUFFER,
    instanceId: env.HOOKGATE_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    deliveryTakeoverAfter: env.HOOKGATE_DELIVERY_TAKEOVER_AFTER,
  };
}
