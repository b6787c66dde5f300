import type { LookupAddress } from 'node:dns';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../../src/delivery/sending/undici-webhook-sender.js';
import { assertSafeTarget } from '../../../src/delivery/targets/assert-safe-target.js';
import { buildGuardedConnector } from '../../../src/delivery/targets/guarded-connector.js';
import { createGuardedLookup } from '../../../src/delivery/targets/guarded-lookup.js';
import { UnsafeTargetError } from '../../../src/delivery/targets/unsafe-target-error.js';
import { startTokenEndpoint } from '../../support/receivers/oauth2-token-endpoint.js';
import { startReceiver, type WebhookReceiver } from '../../support/receivers/webhook-receiver.js';
import { outboundDelivery } from '../sending/sender-fixtures.js';

describe('SSRF guard at connect time (private targets not allowed)', () => {
  let receiver: WebhookReceiver;
  let guarded: UndiciWebhookSender;
  let open: UndiciWebhookSender;

  beforeAll(async () => {
    receiver = await startReceiver();
    guarded = new UndiciWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: false });
    open = new UndiciWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: true });
  });
  afterEach(() => receiver.clear());
  afterAll(async () => {
    await guarded.close();
    await open.close();
    await receiver.close();
  });

  const urls = () => ({
    ipv4: `http://127.0.0.1:${receiver.port}/hooks`,
    ipv6: `http://[::1]:${receiver.port}/hooks`,
    mapped: `http://[::ffff:127.0.0.1]:${receiver.port}/hooks`,
    hostname: `http://localhost:${receiver.port}/hooks`,
  });

  it.each([
    ['ipv4', 'refused: 127.0.0.1 is a loopback address'],
    ['ipv6', 'refused: ::1 is a loopback address'],
    ['mapped', 'refused: ::ffff:7f00:1 is a loopback address (IPv4-mapped 127.0.0.1)'],
  ] as const)('refuses the %s literal of a loopback receiver before connecting', async (which, message) => {
    const connectionsBefore = receiver.connections;
    const outcome = await guarded.send(outboundDelivery(urls()[which]));

    expect(outcome).toMatchObject({
      ok: false,
      statusCode: null,
      failure: { kind: 'UNSAFE_TARGET', message },
      responseExcerpt: null,
    });
    expect(receiver.connections).toBe(connectionsBefore);
  });

  it('refuses a host name that resolves to 127.0.0.1, in the DNS lookup, before any connection', async () => {
    const connectionsBefore = receiver.connections;
    const outcome = await guarded.send(outboundDelivery(urls().hostname));

    // Only the guarded lookup words it "resolves to": the name got as far as DNS and its answer was refused.
    expect(outcome.failure?.kind).toBe('UNSAFE_TARGET');
    expect(outcome.failure?.message).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/);
    expect(receiver.connections).toBe(connectionsBefore);
    expect(receiver.requests).toHaveLength(0);
  });

  it('reaches the same receiver through the same urls when private targets are allowed (the control)', async () => {
    for (const url of Object.values(urls())) {
      const outcome = await open.send(outboundDelivery(url));
      // ::1 may not be configured on every machine; what matters is that the guard did not refuse it.
      expect(outcome.failure?.kind).not.toBe('UNSAFE_TARGET');
    }
    expect(receiver.requests.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses at connect time a name that passed registration and was then rebound to loopback', async () => {
    let answer: LookupAddress[] = [{ address: '93.184.216.34', family: 4 }];
    const url = `http://rebinding.test:${receiver.port}/hooks`;
    await assertSafeTarget(url, { allowPrivateTargets: false, resolve: async () => answer.map((entry) => entry.address) });

    answer = [{ address: '127.0.0.1', family: 4 }];
    const lookup = createGuardedLookup((_hostname, _options, callback) => callback(null, answer));
    const agent = new Agent({ connect: buildGuardedConnector({ timeout: 1_000 }, lookup) });
    const connectionsBefore = receiver.connections;
    try {
      const refusal = await request(url, { dispatcher: agent, method: 'POST', body: '{}' }).catch((error: unknown) => error);

      expect(refusal).toBeInstanceOf(UnsafeTargetError);
      expect((refusal as Error).message).toBe('refused: rebinding.test resolves to 127.0.0.1, a loopback address');
      expect(receiver.connections).toBe(connectionsBefore);
    } finally {
      await agent.close();
    }
  });

  it('refuses an OAuth2 token url on a private address before sending anything', async () => {
    const endpoint = await startTokenEndpoint({ clientId: 'c', clientSecret: 's' });
    try {
      const outcome = await guarded.send(
        outboundDelivery(`https://hooks.example.com/in`, {
          auth: {
            type: 'OAUTH2_CLIENT_CREDENTIALS',
            clientId: 'c',
            clientSecret: 's',
            tokenUrl: endpoint.url,
            scope: null,
            audience: null,
          },
        }),
      );

      expect(outcome.failure).toEqual({
        kind: 'UNSAFE_TARGET',
        message: 'OAuth2 token url refused: 127.0.0.1 is a loopback address',
      });
      expect(endpoint.requests).toHaveLength(0);
    } finally {
      await endpoint.close();
    }
  });
});

describe('assertSafeTarget (registration time)', () => {
  const refuse = (url: string) => assertSafeTarget(url, { allowPrivateTargets: false });

  it.each([
    ['http://127.0.0.1:8080/hooks', 'refused: 127.0.0.1 is a loopback address'],
    ['http://[::1]:8080/hooks', 'refused: ::1 is a loopback address'],
    ['http://[::ffff:127.0.0.1]/hooks', 'refused: ::ffff:7f00:1 is a loopback address (IPv4-mapped 127.0.0.1)'],
    ['https://169.254.169.254/latest/meta-data', 'refused: 169.254.169.254 is a cloud metadata address'],
    ['https://10.1.2.3/', 'refused: 10.1.2.3 is a private (RFC 1918) address'],
    ['https://100.64.1.1/', 'refused: 100.64.1.1 is a carrier-grade NAT address'],
    ['https://[fd00::1]/', 'refused: fd00::1 is a unique-local address'],
    ['http://0x7f000001/', 'refused: 127.0.0.1 is a loopback address'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'refused: metadata.google.internal is a cloud metadata host name'],
  ])('refuses %s', async (url, message) => {
    const error = await refuse(url).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UnsafeTargetError);
    expect((error as Error).message).toBe(message);
  });

  it('refuses a host name that resolves to 127.0.0.1, naming the address', async () => {
    const error = await refuse('http://localhost:8080/hooks').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UnsafeTargetError);
    expect(error).toMatchObject({ hostname: 'localhost', reason: 'a loopback address' });
    expect(['127.0.0.1', '::1']).toContain((error as UnsafeTargetError).address);
  });

  it('refuses a name when any of its addresses is unsafe', async () => {
    const resolve = async () => ['93.184.216.34', '192.168.0.10'];

    await expect(assertSafeTarget('https://mixed.test/', { allowPrivateTargets: false, resolve })).rejects.toThrow(
      'refused: mixed.test resolves to 192.168.0.10, a private (RFC 1918) address',
    );
  });

  it('lets a name with only public addresses through', async () => {
    const resolve = async () => ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'];

    await expect(assertSafeTarget('https://public.test/', { allowPrivateTargets: false, resolve })).resolves.toBeUndefined();
  });

  it('lets a name that does not resolve (yet) through: the connect-time guard judges it later', async () => {
    const resolve = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };

    await expect(assertSafeTarget('https://later.test/', { allowPrivateTargets: false, resolve })).resolves.toBeUndefined();
  });

  it('lets a name through whose lookup takes longer than the registration waits', async () => {
    const resolve = () => new Promise<string[]>((done) => setTimeout(done, 2_000, ['127.0.0.1']).unref());

    await expect(assertSafeTarget('https://slow-dns.test/', { allowPrivateTargets: false, resolve, resolveWaitMs: 50 })).resolves.toBeUndefined();
  });

  it('allows everything when private targets are allowed', async () => {
    await expect(assertSafeTarget('http://127.0.0.1:8080/', { allowPrivateTargets: true })).resolves.toBeUndefined();
    await expect(assertSafeTarget('http://localhost/', { allowPrivateTargets: true })).resolves.toBeUndefined();
  });
});
