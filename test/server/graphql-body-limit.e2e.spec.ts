import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
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

  it('reads a body sent in pieces, answers bad JSON with 400, and forgets a client that leaves mid-body', async () => {
    const body = typenameOf(5_000);
    const pieces = [body.subarray(0, 1), body.subarray(1, 2_500), body.subarray(2_500)];
    const answered = await rawPost(`${server.url}/graphql`, { ...json, 'content-length': String(body.length) }, pieces);
    expect(JSON.parse(answered.body)).toEqual({ data: { __typename: 'Query' } });

    const broken = Buffer.from('{"query": "{ __typename }"');
    const bad = await rawPost(`${server.url}/graphql`, { ...json, 'content-length': String(broken.length) }, [broken]);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).errors[0].message).toMatch(/JSON/);

    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query":`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.output.filter((line) => line.includes('request failed'))).toEqual([]);
  });

  it('asks for a Content-Length (411) when the body comes without one', async () => {
    const refused = await rawPost(`${server.url}/graphql`, { ...json, 'transfer-encoding': 'chunked' }, [typenameOf(100)]);
    expect(refused.status).toBe(411);
    expect(JSON.parse(refused.body).errors[0].extensions).toEqual({ code: 'LENGTH_REQUIRED' });
  });
});
