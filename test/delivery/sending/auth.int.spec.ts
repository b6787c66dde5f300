import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OAuth2ClientCredentials } from '../../../src/delivery/sending/oauth2-token-request.js';
import { UndiciWebhookSender } from '../../../src/delivery/sending/undici-webhook-sender.js';
import { startTokenEndpoint, type OAuth2TokenEndpoint } from '../../support/receivers/oauth2-token-endpoint.js';
import { startReceiver, type WebhookReceiver } from '../../support/receivers/webhook-receiver.js';
import { newSecret, outboundDelivery } from './sender-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('UndiciWebhookSender: basic and API key auth', () => {
  let receiver: WebhookReceiver;
  let sender: UndiciWebhookSender;

  beforeAll(async () => {
    receiver = await startReceiver();
    sender = new UndiciWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: true });
  });
  afterEach(() => {
    receiver.clear();
    receiver.setAuth(null);
  });
  afterAll(async () => {
    await sender.close();
    await receiver.close();
  });

  it('sends basic credentials the receiver accepts', async () => {
    const secret = newSecret();
    receiver.setSecrets([secret]);
    receiver.setAuth({ type: 'basic', username: 'acme', password: 's3cr3t:with colon' });

    const outcome = await sender.send(
      outboundDelivery(receiver.url, {
        signingSecrets: [secret],
        auth: { type: 'BASIC', username: 'acme', password: 's3cr3t:with colon' },
      }),
    );

    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(receiver.requests[0]).toMatchObject({ authorized: true, verified: true });
  });

  it('gets a 401 from the receiver with wrong basic credentials', async () => {
    receiver.setAuth({ type: 'basic', username: 'acme', password: 'right' });

    const outcome = await sender.send(
      outboundDelivery(receiver.url, { auth: { type: 'BASIC', username: 'acme', password: 'wrong' } }),
    );

    expect(outcome).toMatchObject({ ok: false, statusCode: 401, failure: { kind: 'HTTP_STATUS' } });
    expect(receiver.requests[0]?.authorized).toBe(false);
  });

  it('sends the API key in its header', async () => {
    receiver.setAuth({ type: 'apiKey', headerName: 'X-Hook-Key', apiKey: 'key-123' });

    const outcome = await sender.send(
      outboundDelivery(receiver.url, { auth: { type: 'HEADER_API_KEY', headerName: 'X-Hook-Key', apiKey: 'key-123' } }),
    );

    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(receiver.requests[0]?.authorized).toBe(true);
    expect(receiver.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe('UndiciWebhookSender: OAuth2 client credentials', () => {
  const clientId = 'hookgate-client';
  const clientSecret = 'client s3cret+/=:&';
  let endpoint: OAuth2TokenEndpoint;
  let receiver: WebhookReceiver;
  let sender: UndiciWebhookSender;
  let credentials: OAuth2ClientCredentials;
  let webhookCount = 0;
  let webhookId: string;

  const send = () => sender.send(outboundDelivery(receiver.url, { webhookId, auth: credentials }));

  beforeAll(async () => {
    receiver = await startReceiver();
    sender = new UndiciWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: true });
  });
  beforeEach(async () => {
    // A fresh webhook id per test: the sender caches tokens per webhook.
    webhookId = `wh_oauth_${++webhookCount}`;
    endpoint = await startTokenEndpoint({ clientId, clientSecret });
    credentials = {
      type: 'OAUTH2_CLIENT_CREDENTIALS',
      clientId,
      clientSecret,
      tokenUrl: endpoint.url,
      scope: 'webhooks:write',
      audience: 'https://receiver.example.com',
    };
    receiver.setAuth({ type: 'bearer', accepts: (token) => endpoint.isValid(token) });
  });
  afterEach(async () => {
    receiver.clear();
    await endpoint.close();
  });
  afterAll(async () => {
    await sender.close();
    await receiver.close();
  });

  it('fetches a token with the client credentials grant and sends it as a bearer token', async () => {
    const outcome = await send();

    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(endpoint.requests).toEqual([
      {
        contentType: 'application/x-www-form-urlencoded',
        grantType: 'client_credentials',
        scope: 'webhooks:write',
        audience: 'https://receiver.example.com',
        clientId,
        authenticated: true,
        status: 200,
      },
    ]);
    expect(receiver.requests[0]?.headers.authorization).toBe(`Bearer ${endpoint.issued[0]}`);
  });

  it('leaves scope and audience out when the webhook has none', async () => {
    credentials = { ...credentials, scope: null, audience: null };
    await send();

    expect(endpoint.requests[0]).toMatchObject({ scope: null, audience: null, authenticated: true });
  });

  it('reuses the token across sends while it is valid', async () => {
    for (let i = 0; i < 5; i++) expect((await send()).ok).toBe(true);

    expect(endpoint.requests).toHaveLength(1);
    expect(new Set(receiver.requests.map((request) => request.headers.authorization)).size).toBe(1);
  });

  it('shares one token request among concurrent sends of a webhook', async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => send()));

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('keeps a token without expires_in for a while', async () => {
    endpoint.setExpiresIn(null);
    await send();
    await send();

    expect(endpoint.requests).toHaveLength(1);
  });

  it('fetches a new token shortly before the old one expires', async () => {
    endpoint.setExpiresIn(1);
    await send();
    await sleep(1_000);
    const outcome = await send();

    expect(outcome.ok).toBe(true);
    expect(endpoint.requests).toHaveLength(2);
    expect(receiver.requests.map((request) => request.headers.authorization)).toEqual([
      `Bearer ${endpoint.issued[0]}`,
      `Bearer ${endpoint.issued[1]}`,
    ]);
  });

  it('on a 401 drops the token, fetches exactly one new one and sends once more', async () => {
    await send();
    endpoint.revokeAll();

    const outcome = await send();

    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(endpoint.requests).toHaveLength(2);
    expect(receiver.requests.map((request) => request.authorized)).toEqual([true, false, true]);
  });

  it('gives up after one new token when the receiver keeps answering 401', async () => {
    receiver.setAuth({ type: 'bearer', accepts: () => false });

    const outcome = await send();

    expect(outcome).toMatchObject({ ok: false, statusCode: 401, failure: { kind: 'HTTP_STATUS' } });
    expect(endpoint.requests).toHaveLength(2);
    expect(receiver.requests).toHaveLength(2);
  });

  it('fetches a new token after forgetWebhook', async () => {
    await send();
    sender.forgetWebhook(webhookId);
    await send();

    expect(endpoint.requests).toHaveLength(2);
  });

  it('fetches a new token when the credentials change', async () => {
    await send();
    credentials = { ...credentials, scope: 'webhooks:admin' };
    await send();

    expect(endpoint.requests.map((request) => request.scope)).toEqual(['webhooks:write', 'webhooks:admin']);
  });

  it('fails with AUTH naming the status and OAuth2 error, never the client secret, when the endpoint refuses', async () => {
    endpoint.rejectWith({ status: 400, error: 'invalid_scope', errorDescription: `scope not allowed for ${clientSecret}` });

    const outcome = await send();

    expect(outcome).toMatchObject({ ok: false, statusCode: null, responseExcerpt: null });
    expect(outcome.failure?.kind).toBe('AUTH');
    expect(outcome.failure?.message).toBe('OAuth2 token endpoint answered 400: invalid_scope (scope not allowed for [redacted])');
    expect(receiver.requests).toHaveLength(0);

    // A refusal is not remembered: the next send asks again.
    endpoint.rejectWith(null);
    expect((await send()).ok).toBe(true);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('fails with AUTH on wrong client credentials', async () => {
    credentials = { ...credentials, clientSecret: 'wrong secret' };

    const outcome = await send();

    expect(outcome.failure).toEqual({
      kind: 'AUTH',
      message: 'OAuth2 token endpoint answered 401: invalid_client (client authentication failed)',
    });
  });

  it('fails with AUTH when the token endpoint is down', async () => {
    await endpoint.close();

    const outcome = await send();

    expect(outcome.failure?.kind).toBe('AUTH');
    expect(outcome.failure?.message).toMatch(/^OAuth2 token request failed: connection refused by 127\.0\.0\.1:\d+/);
    expect(outcome.failure?.message).not.toContain(clientSecret);
    expect(receiver.requests).toHaveLength(0);
  });
});
