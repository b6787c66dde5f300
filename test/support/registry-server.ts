import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTenantDocument } from '../generated/graphql.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { dataOf, typedClient, type TypedClient } from './typed-client.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export interface TenantSession {
  id: string;
  apiKey: string;
  client: TypedClient;
}

export interface RegistryServer {
  readonly server: ServerProcess;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  /** Runs as the admin token. */
  readonly admin: TypedClient;
  /** Creates a tenant through the API and returns a client holding its key. */
  newTenant(name: string): Promise<TenantSession>;
  /** A client for any key (or none). */
  client(token?: string): TypedClient;
  /** Stops the process and starts it again on the same store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real server process on a fresh embedded file store, with an admin token
 * and plain-http receivers allowed (tests only talk to 127.0.0.1).
 */
export async function startRegistryServer(extraEnv: Record<string, string> = {}): Promise<RegistryServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-e2e-'));
  const env = { HOOKGATE_DATA_DIR: dataDir, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN, HOOKGATE_ALLOW_HTTP: 'true', ...extraEnv };
  let server = await startServerProcess(env);
  const client = (token?: string) => typedClient(() => server.url, token);
  const admin = client(ADMIN_TOKEN);
  return {
    get server() {
      return server;
    },
    dataDir,
    env,
    admin,
    client,
    async newTenant(name) {
      const created = dataOf(await admin(CreateTenantDocument, { input: { name } })).createTenant;
      return { id: created.tenant.id, apiKey: created.apiKey, client: client(created.apiKey) };
    },
    async restart() {
      await server.stop();
      server = await startServerProcess(env);
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
