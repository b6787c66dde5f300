import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../../src/delivery/sending/undici-webhook-sender.js';
import { replies, sequence } from '../../support/receivers/receiver-replies.js';
import { startReceiver, type WebhookReceiver } from '../../support/receivers/webhook-receiver.js';
import { outboundDelivery } from './sender-fixtures.js';

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('UndiciWebhookSender: what comes back', () => {
  const timeoutMs = 500;
  let receiver: WebhookReceiver;
  let sender: UndiciWebhookSender;
  const send = () => sender.send(outboundDelivery(receiver.url));

  beforeAll(async () => {
    receiver = await startReceiver();
    sender = new UndiciWebhookSender({ timeoutMs, allowPrivateTargets: true });
  });
  afterEach(() => {
    receiver.clear();
    receiver.setBehaviour(replies.ok());
  });
  afterAll(async () => {
    await sender.close();
    await receiver.close();
  });

  it('takes any 2xx as success and keeps the body as the excerpt', async () => {
    receiver.setBehaviour({ status: 202, body: '{"queued":true}' });

    expect(await send()).toMatchObject({ ok: true, statusCode: 202, failure: null, responseExcerpt: '{"queued":true}' });
  });

  it('gives an empty excerpt for an empty body', async () => {
    receiver.setBehaviour({ status: 204 });

    expect(await send()).toMatchObject({ ok: true, statusCode: 204, responseExcerpt: '' });
  });

  it('fails a 500 with its status and body', async () => {
    receiver.setBehaviour(replies.status(500, 'database down'));

    expect(await send()).toEqual({
      ok: false,
      statusCode: 500,
      failure: { kind: 'HTTP_STATUS', message: 'receiver answered 500 Internal Server Error' },
      responseExcerpt: 'database down',
      retryAfterMs: null,
      durationMs: expect.any(Number),
    });
  });

  it('fails a 410 with its status, so the caller can deactivate the webhook', async () => {
    receiver.setBehaviour(replies.gone());

    expect(await send()).toMatchObject({
      ok: false,
      statusCode: 410,
      failure: { kind: 'HTTP_STATUS', message: 'receiver answered 410 Gone' },
    });
  });

  it('does not follow a redirect: a 3xx is a failure naming where it pointed', async () => {
    receiver.setBehaviour(replies.redirect(`${receiver.origin}/elsewhere`, 301));

    const outcome = await send();

    expect(outcome).toMatchObject({ ok: false, statusCode: 301 });
    expect(outcome.failure).toEqual({
      kind: 'HTTP_STATUS',
      message: `receiver answered 301 Moved Permanently (redirect to ${receiver.origin}/elsewhere; redirects are not followed)`,
    });
    expect(receiver.requests.map((request) => request.path)).toEqual(['/hooks']);
  });

  it('reads Retry-After seconds on a 429', async () => {
    receiver.setBehaviour(replies.retryAfter(120));

    expect(await send()).toMatchObject({ ok: false, statusCode: 429, retryAfterMs: 120_000 });
  });

  it('reads a Retry-After date on a 503', async () => {
    const inOneHour = new Date(Date.now() + 3_600_000).toUTCString();
    receiver.setBehaviour(replies.retryAfter(inOneHour, 503));

    const outcome = await send();

    expect(outcome.statusCode).toBe(503);
    expect(outcome.retryAfterMs).toBeGreaterThan(3_590_000);
    expect(outcome.retryAfterMs).toBeLessThanOrEqual(3_600_000);
  });

  it('ignores Retry-After on statuses other than 429 and 503', async () => {
    receiver.setBehaviour(replies.retryAfter(120, 500));

    expect(await send()).toMatchObject({ statusCode: 500, retryAfterMs: null });
  });

  it('keeps only the first 4 KiB of a 1 MiB answer', async () => {
    receiver.setBehaviour(replies.bigBody(1024 * 1024));

    const outcome = await send();

    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(outcome.responseExcerpt).toBe('x'.repeat(4096));
  });

  it('does not cut a character in half at the end of the excerpt', async () => {
    receiver.setBehaviour({ status: 500, body: `${'a'.repeat(4095)}é and more` });

    expect((await send()).responseExcerpt).toBe('a'.repeat(4095));
  });

  it('times out a receiver slower than the deadline', async () => {
    receiver.setBehaviour(replies.slow(3_000));

    const outcome = await send();

    expect(outcome).toMatchObject({
      ok: false,
      statusCode: null,
      failure: { kind: 'TIMEOUT', message: `no complete response within ${timeoutMs} ms` },
      responseExcerpt: null,
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(outcome.durationMs).toBeLessThan(3_000);
  });

  it('keeps to the deadline while reading a body that stalls, and the status still decides', async () => {
    receiver.setBehaviour(replies.stallingBody('partial answer', 500));

    const outcome = await send();

    expect(outcome).toMatchObject({
      ok: false,
      statusCode: 500,
      failure: { kind: 'HTTP_STATUS' },
      responseExcerpt: 'partial answer',
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(outcome.durationMs).toBeLessThan(3_000);
  });

  it('fails with CONNECTION when the receiver resets the connection', async () => {
    receiver.setBehaviour(replies.resetSocket());

    expect(await send()).toMatchObject({
      ok: false,
      statusCode: null,
      failure: { kind: 'CONNECTION', message: 'connection reset by the receiver (ECONNRESET)' },
    });
  });

  it('fails with CONNECTION naming the address when nothing listens', async () => {
    const port = await closedPort();

    const outcome = await sender.send(outboundDelivery(`http://127.0.0.1:${port}/hooks`));

    expect(outcome).toMatchObject({
      ok: false,
      statusCode: null,
      failure: { kind: 'CONNECTION', message: `connection refused by 127.0.0.1:${port} (ECONNREFUSED)` },
    });
  });

  it('fails with CONNECTION when the host does not resolve', async () => {
    const outcome = await sender.send(outboundDelivery('http://hookgate-test.invalid/hooks'));

    expect(outcome.failure?.kind).toBe('CONNECTION');
    expect(outcome.failure?.message).toContain('hookgate-test.invalid');
  });

  it('answers every request of a burst with the replies in sequence', async () => {
    receiver.setBehaviour(sequence(replies.status(500), replies.status(503), replies.ok()));

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send()).statusCode);

    expect(statuses).toEqual([500, 503, 200, 200]);
  });

  // undici may hand the next request to a second idle socket while the first is still settling, so "few" is ≤ 2.
  it('reuses keep-alive connections across many sends', async () => {
    const before = receiver.connections;
    for (let i = 0; i < 50; i++) expect((await send()).ok).toBe(true);

    expect(receiver.connections - before).toBeLessThanOrEqual(2);
    expect(new Set(receiver.requests.map((request) => request.connection)).size).toBeLessThanOrEqual(2);
  });

  it('keeps the connection after an answer somewhat longer than the excerpt', async () => {
    receiver.setBehaviour(replies.bigBody(20 * 1024));
    for (let i = 0; i < 10; i++) expect((await send()).responseExcerpt).toHaveLength(4096);

    expect(new Set(receiver.requests.map((request) => request.connection)).size).toBeLessThanOrEqual(2);
  });

  it('drops the connection rather than read a huge answer to its end', async () => {
    receiver.setBehaviour(replies.bigBody(1024 * 1024));
    for (let i = 0; i < 3; i++) await send();

    expect(new Set(receiver.requests.map((request) => request.connection)).size).toBe(3);
  });
});
