import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/graphql-client.js';
import { rawPost } from '../support/raw-post.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const MiB = 1024 * 1024;

const CREATE = `mutation($input: CreateTriggerInput!) {
  createTrigger(input: $input) { secret trigger { id name url forwardAsEventType createdAt } }
}`;
const RUNS = `query($id: ID!, $first: Int, $after: String) {
  triggerRuns(triggerId: $id, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id triggerId receivedAt contentType bodyEncoding body bodyBytes headers { name value } forwardAsEventType forwardedMessageId } }
  }
}`;

type Client = ReturnType<typeof graphqlClient>;

/** Signs like any Standard Webhooks sender: `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
function signed(secret: string, body: string, at = new Date()): Record<string, string> {
  const id = `msg_${randomUUID()}`;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

describe('inbound triggers (real server, embedded file store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-triggers-'));
  let server: ServerProcess;
  let admin: Client;

  async function newTenantKey(name: string): Promise<string> {
    const result = await admin(`mutation($n: String!) { createTenant(input: { name: $n }) { apiKey tenant { id } } }`, { n: name });
    expect(result.errors).toBeUndefined();
    return result.data!.createTenant.apiKey as string;
  }
  const newTenant = async (name: string) => graphqlClient(server.url, await newTenantKey(name));

  async function newTrigger(client: Client, input: Record<string, unknown> = { name: 'orders' }) {
    const result = await client(CREATE, { input });
    expect(result.errors).toBeUndefined();
    return result.data!.createTrigger as { secret: string; trigger: { id: string; url: string; name: string } };
  }

  const post = (url: string, body: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers, body }).then(async (res) => ({ status: res.status, json: (await res.json()) as Record<string, unknown> }));

  async function runs(client: Client, id: string) {
    const result = await client(RUNS, { id, first: 50 });
    expect(result.errors).toBeUndefined();
    return result.data!.triggerRuns as { totalCount: number; edges: { node: Record<string, any> }[] };
  }

  beforeAll(async () => {
    server = await startServerProcess({ HOOKGATE_DATA_DIR: dataDir, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN });
    admin = graphqlClient(server.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a trigger: an id, a whsec_ secret shown once, and the url to POST to', async () => {
    const client = await newTenant('creator');
    const { secret, trigger } = await newTrigger(client, { name: '  Orders  ', forwardAsEventType: 'order.received' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(trigger).toMatchObject({ name: 'Orders', forwardAsEventType: 'order.received', url: `${server.url}/hooks/${trigger.id}` });
    const read = await client(`query($id: ID!) { trigger(id: $id) { id url } triggers { id } }`, { id: trigger.id });
    expect(read.data).toEqual({ trigger: { id: trigger.id, url: trigger.url }, triggers: [{ id: trigger.id }] });
    expect(JSON.stringify(read)).not.toContain(secret);
  });

  it('refuses bad input naming the field', async () => {
    const client = await newTenant('strict');
    for (const [input, field] of [
      [{ name: ' ' }, 'input.name'],
      [{ name: 'x', forwardAsEventType: 'not a type' }, 'input.forwardAsEventType'],
      [{ name: 'x'.repeat(201) }, 'input.name'],
    ] as const) {
      const result = await client(CREATE, { input });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect((await client(`{ triggers { id } }`)).data!.triggers).toEqual([]);
  });

  it('accepts a Standard Webhooks signed call: 202, and the run holds the body and the headers minus credentials', async () => {
    const client = await newTenant('signed');
    const { secret, trigger } = await newTrigger(client, { name: 'orders', forwardAsEventType: 'order.received' });
    const body = JSON.stringify({ foo: 'bar', n: [1, 2] });
    const answer = await post(trigger.url, body, {
      'content-type': 'application/json',
      authorization: 'Bearer caller-credential',
      cookie: 'session=caller-cookie',
      'x-custom': 'kept',
      'x-correlation-id': 'corr-1',
      ...signed(secret, body),
    });
    expect(answer.status).toBe(202);
    expect(answer.json.runId).toEqual(expect.any(String));

    const page = await runs(client, trigger.id);
    expect(page.totalCount).toBe(1);
    const run = page.edges[0]!.node;
    expect(run).toMatchObject({
      id: answer.json.runId,
      triggerId: trigger.id,
      contentType: 'application/json',
      bodyEncoding: 'JSON',
      body: { foo: 'bar', n: [1, 2] },
      bodyBytes: Buffer.byteLength(body),
      forwardAsEventType: 'order.received',
      // forwardedMessageId is set once the forwarding reactor published the call (trigger-forwarding.e2e.spec.ts).
    });
    const headers = Object.fromEntries((run.headers as { name: string; value: string }[]).map((h) => [h.name, h.value]));
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'x-custom': 'kept', 'x-correlation-id': 'corr-1' });
    expect(headers['webhook-id']).toMatch(/^msg_/);
    for (const dropped of ['authorization', 'cookie', 'webhook-signature', 'x-verify-signature', 'connection']) {
      expect(headers).not.toHaveProperty(dropped);
    }
    expect(JSON.stringify(run)).not.toMatch(/caller-credential|caller-cookie/);
  });

  it('answers a repeated Standard Webhooks message (same webhook-id) with its first run and stores it once', async () => {
    const client = await newTenant('retries');
    const { secret, trigger } = await newTrigger(client);
    const body = '{"attempt":1}';
    const headers = { 'content-type': 'application/json', ...signed(secret, body) };
    const first = await post(trigger.url, body, headers);
    const retry = await post(trigger.url, body, headers);
    expect(first.status).toBe(202);
    expect(retry).toEqual(first);
    const other = await post(trigger.url, body, { 'content-type': 'application/json', ...signed(secret, body) });
    expect(other.json.runId).not.toBe(first.json.runId);
    expect((await runs(client, trigger.id)).totalCount).toBe(2);
  });

  it('accepts the secret itself in X-Verify-Signature, and a text body as text; lists runs newest first', async () => {
    const client = await newTenant('verify-header');
    const { secret, trigger } = await newTrigger(client);
    const first = await post(trigger.url, 'hello, world', { 'content-type': 'text/plain', 'x-verify-signature': secret });
    expect(first.status).toBe(202);
    const second = await post(trigger.url, '{"a":1}', { 'content-type': 'application/json', 'X-Verify-Signature': secret });
    expect(second.status).toBe(202);
    const broken = await post(trigger.url, '{not json', { 'content-type': 'application/json', 'x-verify-signature': secret });
    expect(broken.status).toBe(202);

    const page = await runs(client, trigger.id);
    expect(page.edges.map((e) => e.node.id)).toEqual([broken.json.runId, second.json.runId, first.json.runId]);
    expect(page.edges.map((e) => [e.node.bodyEncoding, e.node.body])).toEqual([
      ['TEXT', '{not json'],
      ['JSON', { a: 1 }],
      ['TEXT', 'hello, world'],
    ]);

    const onePerPage = await client(RUNS, { id: trigger.id, first: 1 });
    const next = await client(RUNS, { id: trigger.id, first: 1, after: onePerPage.data!.triggerRuns.pageInfo.endCursor });
    expect(next.data!.triggerRuns.edges[0].node.id).toBe(second.json.runId);
    const badCursor = await client(RUNS, { id: trigger.id, first: 1, after: 'nonsense' });
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('refuses every unverified call with 401 and stores nothing', async () => {
    const client = await newTenant('refusals');
    const { secret, trigger } = await newTrigger(client);
    const other = await newTrigger(client, { name: 'other' });
    const body = '{"x":1}';
    const json = { 'content-type': 'application/json' };
    const tamperedSignature = { ...signed(secret, body), 'webhook-signature': signed(secret, '{"x":2}')['webhook-signature']! };
    const cases: [string, Record<string, string>][] = [
      ['no credentials', json],
      ['signature of another body', { ...json, ...tamperedSignature }],
      ['signed with another trigger’s secret', { ...json, ...signed(other.secret, body) }],
      ['stale timestamp', { ...json, ...signed(secret, body, new Date(Date.now() - 10 * 60_000)) }],
      ['timestamp in the future', { ...json, ...signed(secret, body, new Date(Date.now() + 10 * 60_000)) }],
      ['garbage signature header', { ...json, 'webhook-id': 'm', 'webhook-timestamp': 'x', 'webhook-signature': 'v1' }],
      ['wrong X-Verify-Signature', { ...json, 'x-verify-signature': `${secret}x` }],
      ['another trigger’s secret in X-Verify-Signature', { ...json, 'x-verify-signature': other.secret }],
      ['empty X-Verify-Signature', { ...json, 'x-verify-signature': '' }],
    ];
    for (const [name, headers] of cases) {
      const answer = await post(trigger.url, body, headers);
      expect(answer.status, name).toBe(401);
      expect(answer.json).not.toHaveProperty('runId');
    }
    expect((await runs(client, trigger.id)).totalCount).toBe(0);
  });

  it('answers an unknown trigger exactly like an unverified call, and anything but POST with 405', async () => {
    const client = await newTenant('unknown');
    const { secret, trigger } = await newTrigger(client);
    const unknownUrl = `${server.url}/hooks/${randomUUID()}`;
    const unknown = await post(unknownUrl, '{}', { 'content-type': 'application/json', 'x-verify-signature': secret });
    const unverified = await post(trigger.url, '{}', { 'content-type': 'application/json', 'x-verify-signature': 'nope' });
    expect(unknown).toEqual(unverified);
    expect(unknown.status).toBe(401);
    expect((await post(`${server.url}/hooks/a%2Fb`, '{}', { 'x-verify-signature': secret })).status).toBe(401);

    const get = await fetch(trigger.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('refuses bodies over 1 MiB with 413, whether declared or streamed, and accepts exactly 1 MiB', async () => {
    const client = await newTenant('large');
    const { secret, trigger } = await newTrigger(client);
    const declared = await rawPost(trigger.url, { 'content-type': 'text/plain', 'content-length': String(2 * MiB), 'x-verify-signature': secret }, [
      Buffer.alloc(2 * MiB, 'a'),
    ]);
    expect(declared.status).toBe(413);
    // Chunked: no length up front, so the server counts while reading and stops past the limit.
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 'b'));
    const streamed = await rawPost(trigger.url, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked', 'x-verify-signature': secret }, chunks);
    expect(streamed.status).toBe(413);
    expect((await runs(client, trigger.id)).totalCount).toBe(0);

    const exact = 'c'.repeat(MiB);
    const accepted = await post(trigger.url, exact, { 'content-type': 'text/plain', ...signed(secret, exact) });
    expect(accepted.status).toBe(202);
    const page = await runs(client, trigger.id);
    expect(page.edges[0]!.node.bodyBytes).toBe(MiB);
  });

  it('refuses with 413 a call of a forwarding trigger larger than a published event may be (256 KiB), storing nothing', async () => {
    const client = await newTenant('large-forward');
    const { secret, trigger } = await newTrigger(client, { name: 'forwards', forwardAsEventType: 'big.call' });
    const tooBig = 'd'.repeat(300 * 1024);
    const refused = await post(trigger.url, tooBig, { 'content-type': 'text/plain', ...signed(secret, tooBig) });
    expect(refused).toEqual({ status: 413, json: { error: expect.stringMatching(/forwards its calls as events.*262144 bytes/) } });
    expect((await runs(client, trigger.id)).totalCount).toBe(0);
    // The same call is fine for a trigger that only records calls.
    const { secret: plainSecret, trigger: plain } = await newTrigger(client, { name: 'records' });
    expect((await post(plain.url, tooBig, { 'content-type': 'text/plain', ...signed(plainSecret, tooBig) })).status).toBe(202);
  });

  it('keeps tenants apart: another tenant sees neither the trigger nor its runs', async () => {
    const owner = await newTenant('owner');
    const stranger = await newTenant('stranger');
    const { secret, trigger } = await newTrigger(owner);
    expect((await post(trigger.url, 'x', { 'x-verify-signature': secret })).status).toBe(202);

    const asStranger = await stranger(`query($id: ID!) { trigger(id: $id) { id } }`, { id: trigger.id });
    expect(asStranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const strangerRuns = await stranger(RUNS, { id: trigger.id });
    expect(strangerRuns.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(strangerRuns.data?.triggerRuns ?? null).toBeNull();
    expect((await stranger(`{ triggers { id } }`)).data!.triggers).toEqual([]);
    const rotate = await stranger(`mutation($id: ID!) { rotateTriggerSecret(input: { id: $id }) { secret } }`, { id: trigger.id });
    expect(rotate.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = await graphqlClient(server.url)(RUNS, { id: trigger.id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rotates the secret (the old one stops working) and deletes the trigger (its url then answers 401)', async () => {
    const client = await newTenant('lifecycle');
    const { secret: oldSecret, trigger } = await newTrigger(client);
    const rotated = await client(`mutation($id: ID!) { rotateTriggerSecret(input: { id: $id }) { secret trigger { id } } }`, { id: trigger.id });
    const newSecret = rotated.data!.rotateTriggerSecret.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    expect((await post(trigger.url, 'x', { 'x-verify-signature': oldSecret })).status).toBe(401);
    expect((await post(trigger.url, 'x', signed(newSecret, 'x'))).status).toBe(202);

    const deleted = await client(`mutation($id: ID!) { deleteTrigger(input: { id: $id }) { trigger { id } } }`, { id: trigger.id });
    expect(deleted.data!.deleteTrigger.trigger.id).toBe(trigger.id);
    expect((await post(trigger.url, 'x', { 'x-verify-signature': newSecret })).status).toBe(401);
    expect((await client(`query($id: ID!) { trigger(id: $id) { id } }`, { id: trigger.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('renames a trigger and changes its forwarding; calls already accepted keep the forwarding they had', async () => {
    const client = await newTenant('updater');
    const { secret, trigger } = await newTrigger(client, { name: 'orders' });
    const UPDATE = `mutation($input: UpdateTriggerInput!) { updateTrigger(input: $input) { trigger { id name forwardAsEventType updatedAt } } }`;
    const before = await post(trigger.url, '{"n":1}', { 'content-type': 'application/json', 'x-verify-signature': secret });

    const forwarding = await client(UPDATE, { input: { id: trigger.id, name: ' Orders in ', forwardAsEventType: 'order.received' } });
    expect(forwarding.errors).toBeUndefined();
    expect(forwarding.data!.updateTrigger.trigger).toMatchObject({ id: trigger.id, name: 'Orders in', forwardAsEventType: 'order.received' });
    const during = await post(trigger.url, '{"n":2}', { 'content-type': 'application/json', 'x-verify-signature': secret });

    // Only the name given: the forwarding stays; then null stops it, the name staying.
    const renamed = await client(UPDATE, { input: { id: trigger.id, name: 'Orders' } });
    expect(renamed.data!.updateTrigger.trigger).toMatchObject({ name: 'Orders', forwardAsEventType: 'order.received' });
    const stopped = await client(UPDATE, { input: { id: trigger.id, forwardAsEventType: null } });
    expect(stopped.data!.updateTrigger.trigger).toMatchObject({ name: 'Orders', forwardAsEventType: null });
    const after = await post(trigger.url, '{"n":3}', { 'content-type': 'application/json', 'x-verify-signature': secret });

    const page = await runs(client, trigger.id);
    expect(page.edges.map((e) => [e.node.id, e.node.forwardAsEventType])).toEqual([
      [after.json.runId, null],
      [during.json.runId, 'order.received'],
      [before.json.runId, null],
    ]);

    for (const [input, field] of [
      [{ id: trigger.id, name: ' ' }, 'input.name'],
      [{ id: trigger.id, forwardAsEventType: 'not a type' }, 'input.forwardAsEventType'],
    ] as const) {
      const refused = await client(UPDATE, { input });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const unknown = await client(UPDATE, { input: { id: 'no-such-trigger', name: 'x' } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const other = await newTenant('not-the-owner');
    expect((await other(UPDATE, { input: { id: trigger.id, name: 'mine now' } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await client(`query($id: ID!) { trigger(id: $id) { name } }`, { id: trigger.id })).data!.trigger.name).toBe('Orders');
  });

  it('builds the url from the origin a proxy in front reports, and ignores a malformed one', async () => {
    const apiKey = await newTenantKey('proxied');
    const create = (headers: Record<string, string>) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
        body: JSON.stringify({ query: CREATE, variables: { input: { name: 'proxied' } } }),
      }).then(async (res) => ((await res.json()) as { data: { createTrigger: { trigger: { id: string; url: string } } } }).data.createTrigger.trigger);
    const proxied = await create({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' });
    expect(proxied.url).toBe(`https://hooks.example.com/hooks/${proxied.id}`);
    const malformed = await create({ 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil.example.com/path?' });
    expect(malformed.url).toBe(`${server.url}/hooks/${malformed.id}`);
  });
});
