import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../../src/delivery/sending/undici-webhook-sender.js';
import { startReceiver, type WebhookReceiver } from '../../support/receivers/webhook-receiver.js';
import { newSecret, outboundDelivery } from './sender-fixtures.js';

describe('UndiciWebhookSender: Standard Webhooks signing and headers', () => {
  let receiver: WebhookReceiver;
  let sender: UndiciWebhookSender;

  beforeAll(async () => {
    receiver = await startReceiver();
    sender = new UndiciWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: true });
  });
  afterEach(() => receiver.clear());
  afterAll(async () => {
    await sender.close();
    await receiver.close();
  });

  it('POSTs the body exactly, signed so that the standardwebhooks library verifies it', async () => {
    const secret = newSecret();
    receiver.setSecrets([secret]);
    const delivery = outboundDelivery(receiver.url, { signingSecrets: [secret] });

    const outcome = await sender.send(delivery);

    expect(outcome).toMatchObject({ ok: true, statusCode: 200, failure: null, responseExcerpt: 'ok', retryAfterMs: null });
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks', body: delivery.body, verified: true });
    expect(request?.webhookId).toBe(delivery.messageId);
    expect(request?.headers['webhook-timestamp']).toBe(String(Math.floor(delivery.timestamp.getTime() / 1000)));
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('hookgate/0.1');
  });

  it('is not verified with another secret (the receiver check can fail)', async () => {
    receiver.setSecrets([newSecret()]);
    await sender.send(outboundDelivery(receiver.url));

    expect(receiver.requests[0]).toMatchObject({ verified: false, verifiedWith: [] });
    expect(receiver.requests[0]?.verifyError).toMatch(/signature/i);
  });

  it('signs with every secret during a rotation overlap, and each one verifies on its own', async () => {
    const current = newSecret();
    const previous = newSecret();
    receiver.setSecrets([current, previous]);

    await sender.send(outboundDelivery(receiver.url, { signingSecrets: [current, previous] }));

    const [request] = receiver.requests;
    expect(request?.headers['webhook-signature']?.toString().split(' ')).toHaveLength(2);
    expect(request?.verifiedWith).toEqual([current, previous]);
  });

  it('adds custom headers but never lets them replace signature, auth or transport headers', async () => {
    const secret = newSecret();
    receiver.setSecrets([secret]);
    const delivery = outboundDelivery(receiver.url, {
      signingSecrets: [secret],
      auth: { type: 'BASIC', username: 'hook', password: 'pw' },
      headers: {
        'X-Tenant': 'acme',
        'Webhook-Signature': 'v1,forged',
        'webhook-id': 'msg_forged',
        Authorization: 'Bearer forged',
        'Content-Type': 'text/plain',
        'User-Agent': 'forged',
        Host: 'forged.example.com',
      },
    });

    const outcome = await sender.send(delivery);

    expect(outcome.ok).toBe(true);
    const [request] = receiver.requests;
    expect(request?.verified).toBe(true);
    expect(request?.headers['x-tenant']).toBe('acme');
    expect(request?.webhookId).toBe(delivery.messageId);
    expect(request?.headers['webhook-signature']).not.toContain('forged');
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from('hook:pw').toString('base64')}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('hookgate/0.1');
    expect(request?.headers.host).toBe(`127.0.0.1:${receiver.port}`);
  });

  it('keeps the API key header from being shadowed by a custom header of the same name', async () => {
    await sender.send(
      outboundDelivery(receiver.url, {
        auth: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: 'the-real-key' },
        headers: { 'x-api-key': 'forged', 'X-Other': 'kept' },
      }),
    );

    expect(receiver.requests[0]?.headers['x-api-key']).toBe('the-real-key');
    expect(receiver.requests[0]?.headers['x-other']).toBe('kept');
  });
});
