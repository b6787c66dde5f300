import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPost } from '../support/raw-post.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const MiB = 1024 * 1024;
const json = { 'content-type': 'application/json' };

describe('GraphQL request bodies are bounded (real server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-body-'));
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ HOOKGATE_DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `{ __typename }` padded with insignificant white space to `bytes` bytes. */
  const typenameOf = (bytes: number) => {
    const query = '{ __typename }';
    const body = JSON.stringify({ query: query + ' '.repeat(bytes - query.length - 12) });
    expect(body.length).toBe(bytes);
    return Buffer.from(body);
  };

  it('answers a body of exactly 1 MiB, and refuses a larger one with 413 before reading it', async () => {
    const exact = typenameOf(MiB);
    const accepted = await rawPost(`${server.url}/graphql`, { ...json, 'content-length': String(exact.length) }, [exact]);
    expect(accepted).toMatchObject({ status: 200 });
    expect(JSON.parse(accepted.body)).toEqual({ data: { __typename: 'Query' } });

    const tooLarge = typenameOf(MiB + 1);
    const refused = await rawPost(`${server.url}/graphql`, { ...json, 'content-length': String(tooLarge.length) }, [tooLarge]);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toEqual({
      errors: [{ message: `the request body must be at most ${MiB} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });

    // 64 MiB declared, sent in 1 MiB chunks: refused at once, and the server goes on serving.
    const chunk = Buffer.alloc(MiB, 0x20);
    const huge = await rawPost(`${server.url}/graphql`, { ...json, 'content-length': String(64 * MiB) }, Array.from({ length: 64 }, () => chunk));
    expect(huge.status).toBe(413);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('asks for a Content-Length (411) when the body comes without one', async () => {
    const refused = await rawPost(`${server.url}/graphql`, { ...json, 'transfer-encoding': 'chunked' }, [typenameOf(100)]);
    expect(refused.status).toBe(411);
    expect(JSON.parse(refused.body).errors[0].extensions).toEqual({ code: 'LENGTH_REQUIRED' });
  });
});
