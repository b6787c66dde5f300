import { resolve } from 'node:path';
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

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
  };
}
