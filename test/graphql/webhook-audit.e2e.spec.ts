import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient, type GraphQLResponse } from '../support/graphql-client.js';
import { closedPort, until } from '../support/delivery-steps.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const ENTRY = 'type version actor correlationId actedBy { kind keyId triggerId label }';

describe('audit: who changed a webhook, under which correlation id (real server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookgate-audit-'));
  let server: ServerProcess;

  /** GraphQL over HTTP with extra request headers (the shared client sends none). */
  function as(apiKey: string) {
    return async (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    };
  }

  beforeAll(async () => {
    server = await startServerProcess({
      HOOKGATE_DATA_DIR: dataDir,
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_HTTP: 'true',
      HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records the calling key and the x-correlation-id in webhookHistory, webhookAt and the webhook itself', async () => {
    const admin = graphqlClient(server.url, ADMIN_TOKEN);
    const tenant = await admin(`mutation { createTenant(input: { name: "audited" }) { apiKey apiKeyId } }`);
    const first = tenant.data!.createTenant as { apiKey: string; apiKeyId: string };
    const issued = await as(first.apiKey)(`mutation { issueApiKey(input: { name: "ci" }) { key apiKey { id } } }`, {});
    const second = { apiKey: issued.data!.issueApiKey.key as string, keyId: issued.data!.issueApiKey.apiKey.id as string };

    const created = await as(first.apiKey)(
      `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }`,
      { input: { url: `http://127.0.0.1:${await closedPort()}/hooks`, filters: { clouds: ['AWS'] } } },
      { 'x-correlation-id': 'abc' },
    );
    const id = created.data!.createWebhook.webhook.id as string;
    // Creation sends a test whose result (WebhookTested, by the system) is appended when it comes back; wait for it
    // so that the changes below have known versions.
    await until(async () => {
      const read = await as(first.apiKey)(`query($id: ID!) { webhook(id: $id) { state } }`, { id });
      return read.data?.webhook.state === 'INVALID';
    }, 'the automatic test of the new webhook');
    await as(second.apiKey)(
      `mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { version } } }`,
      { input: { id, description: 'changed by ci' } },
      { 'x-correlation-id': 'def' },
    );
    await as(second.apiKey)(`mutation($id: ID!) { deactivateWebhook(input: { id: $id }) { webhook { version } } }`, { id });

    const history = await as(first.apiKey)(`query($id: ID!) { webhookHistory(id: $id) { ${ENTRY} } }`, { id });
    expect(history.errors).toBeUndefined();
    const entries = history.data!.webhookHistory as Record<string, any>[];
    expect(entries.slice(0, 3)).toEqual([
      {
        type: 'WebhookCreated',
        version: 0,
        actor: `key:${first.apiKeyId}`,
        correlationId: 'abc',
        actedBy: { kind: 'API_KEY', keyId: first.apiKeyId, triggerId: null, label: `key:${first.apiKeyId}` },
      },
      {
        type: 'WebhookTested',
        version: 1,
        actor: 'system:tester',
        // The test runs in the background, under a correlation id of its own.
        correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        actedBy: { kind: 'SYSTEM', keyId: null, triggerId: null, label: 'system:tester' },
      },
      {
        type: 'WebhookUpdated',
        version: 2,
        actor: `key:${second.keyId}`,
        correlationId: 'def',
        actedBy: { kind: 'API_KEY', keyId: second.keyId, triggerId: null, label: `key:${second.keyId}` },
      },
    ]);
    // Without the header, the server makes one up, so that every change still has one.
    expect(entries[3]).toMatchObject({ type: 'WebhookDeactivated', actedBy: { kind: 'API_KEY', keyId: second.keyId } });
    expect(entries[3]!.correlationId).toMatch(/^[0-9a-f-]{36}$/);

    const at = await as(first.apiKey)(
      `query($id: ID!) { webhookAt(id: $id, version: 0) { version lastChange { ${ENTRY} } } webhook(id: $id) { lastChange { type correlationId actedBy { keyId } } } }`,
      { id },
    );
    expect(at.errors).toBeUndefined();
    expect(at.data!.webhookAt).toEqual({ version: 0, lastChange: entries[0] });
    expect(at.data!.webhook.lastChange).toEqual({
      type: 'WebhookDeactivated',
      correlationId: entries[3]!.correlationId,
      actedBy: { keyId: second.keyId },
    });
  });
});
