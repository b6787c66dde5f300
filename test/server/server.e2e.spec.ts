import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../support/server-process.js';

describe('the server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-server-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves /healthz with the embedded store and stops cleanly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startServerProcess({ HOOKGATE_DATA_DIR: dataDir });
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', store: 'sqlite-file' });
      expect((await fetch(`${server.url}/no-such-path`)).status).toBe(404);
      expect(await server.stop(signal)).toBe(0);
      expect(server.output.join('\n')).toContain('stopped');
    }
  });

  it('refuses to start with a bad configuration value and names it', async () => {
    await expect(startServerProcess({ HOOKGATE_DATA_DIR: dataDir, PORT: 'eighty' })).rejects.toThrow(/PORT/);
  });
});
