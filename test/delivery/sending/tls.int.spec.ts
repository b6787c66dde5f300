import { execFileSync } from 'node:child_process';
import dns from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciWebhookSender } from '../../../src/delivery/sending/undici-webhook-sender.js';
import { buildGuardedConnector } from '../../../src/delivery/targets/guarded-connector.js';
import { outboundDelivery } from './sender-fixtures.js';

/** A self-signed certificate for localhost and 127.0.0.1, made with the openssl command. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Production deliveries are https through the guarded connector; these prove TLS survives the wrapping.
describe('HTTPS deliveries', () => {
  let certificate: { key: Buffer; cert: Buffer };
  let server: Server;
  let port: number;
  const hosts: string[] = [];

  beforeAll(async () => {
    certificate = selfSignedCertificate();
    server = createServer(certificate, (req, res) => {
      hosts.push(req.headers.host ?? '');
      req.resume().on('end', () => res.end('tls ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects over TLS through the guarded connector, verifying the certificate for the host name', async () => {
    // The ordinary DNS lookup instead of the guarded one: 127.0.0.1 is the only address a test may use.
    const agent = new Agent({ connect: buildGuardedConnector({ ca: certificate.cert, timeout: 5_000 }, dns.lookup) });
    try {
      const response = await request(`https://localhost:${port}/hooks`, { dispatcher: agent, method: 'POST', body: '{}' });

      expect(response.statusCode).toBe(200);
      expect(await response.body.text()).toBe('tls ok');
      expect(hosts.at(-1)).toBe(`localhost:${port}`);
    } finally {
      await agent.close();
    }
  });

  it('refuses a certificate it cannot verify, with CONNECTION naming TLS', async () => {
    const sender = new UndiciWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: true });
    try {
      const outcome = await sender.send(outboundDelivery(`https://localhost:${port}/hooks`));

      expect(outcome).toMatchObject({ ok: false, statusCode: null, failure: { kind: 'CONNECTION' } });
      expect(outcome.failure?.message).toBe('TLS failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    } finally {
      await sender.close();
    }
  });

  it('refuses https://localhost when private targets are not allowed, on the TLS path too', async () => {
    const sender = new UndiciWebhookSender({ timeoutMs: 5_000, allowPrivateTargets: false });
    try {
      const outcome = await sender.send(outboundDelivery(`https://localhost:${port}/hooks`));

      expect(outcome.failure?.kind).toBe('UNSAFE_TARGET');
      expect(outcome.failure?.message).toMatch(/^refused: localhost resolves to /);
    } finally {
      await sender.close();
    }
  });
});
