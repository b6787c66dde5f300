import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { RequestMeta } from '../../../src/application/request-meta.js';
import { loadConfig } from '../../../src/config/config.js';
import type { DeliveryAssignment } from '../../../src/delivery/worker/delivery-assignment.js';
import { SqliteEventStore } from '../../../src/eventstore/sqlite/sqlite-event-store.js';
import { buildApp, type App } from '../../../src/server/app.js';
import type { ScriptedSender } from './scripted-sender.js';

export interface InProcessApp {
  app: App;
  store: SqliteEventStore;
  /** A tenant to act as. */
  meta: RequestMeta;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The real app (projections, use cases, worker, auto-tester) in this process,
 * on a temporary SQLite store, with the sender port swapped for a scripted one.
 */
export async function startInProcessApp(
  sender: ScriptedSender,
  env: Record<string, string> = {},
  options: { random?: () => number; deliveryAssignment?: DeliveryAssignment } = {},
): Promise<InProcessApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-delivery-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    HOOKGATE_DATA_DIR: dataDir,
    HOOKGATE_ALLOW_HTTP: 'true',
    HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKGATE_RETRY_SCHEDULE: '0,100ms,200ms',
    NODE_ENV: 'production',
    ...env,
  });
  const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  const app = buildApp({
    config,
    store,
    logger: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    sender,
    ...(options.random && { random: options.random }),
    ...(options.deliveryAssignment && { deliveryAssignment: options.deliveryAssignment }),
  });
  await app.start();
  const { tenant } = await app.services.tenants.createTenant('admin', 'test', 'acme');
  return {
    app,
    store,
    dataDir,
    meta: { tenantId: tenant.id, actor: 'key:test', correlationId: 'test' },
    async close() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
