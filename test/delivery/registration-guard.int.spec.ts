import { afterEach, describe, expect, it } from 'vitest';
import { startInProcessApp, type InProcessApp } from './support/in-process-app.js';
import { ScriptedSender } from './support/scripted-sender.js';

let harness: InProcessApp | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('registration refuses unsafe targets (guard on: HOOKGATE_ALLOW_PRIVATE_TARGETS unset)', () => {
  it('refuses a url or token url that is or resolves to a private address, naming the field, and stores nothing', async () => {
    harness = await startInProcessApp(new ScriptedSender(), { HOOKGATE_ALLOW_PRIVATE_TARGETS: 'false' });
    const { app, meta } = harness;
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'http://127.0.0.1:8080/hooks' }, 'url'],
      [{ url: 'http://localhost:8080/hooks' }, 'url'],
      [{ url: 'http://[::ffff:10.0.0.1]/hooks' }, 'url'],
      [{ url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
      [{ url: 'http://metadata.google.internal/' }, 'url'],
      [
        {
          url: 'https://receiver.example.invalid/hooks',
          auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'c', clientSecret: 's', tokenUrl: 'http://localhost:9/token' },
        },
        'auth.tokenUrl',
      ],
    ];
    for (const [input, field] of cases) {
      await expect(app.services.webhooks.create(meta, { filters: { clouds: ['AWS'] }, ...input })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field,
        message: expect.stringMatching(/^refused: /),
      });
    }
    expect(app.services.webhookQueries.list(meta.tenantId, {}, 10).totalCount).toBe(0);

    // A name that does not resolve (yet) is not known to be unsafe: accepted, and judged again at every connect.
    const { webhook } = await app.services.webhooks.create(meta, { url: 'https://receiver.example.invalid/hooks', filters: { clouds: ['AWS'] } });
    await expect(app.services.webhooks.update(meta, webhook.id, { url: 'http://127.0.0.1/x' })).rejects.toMatchObject({ field: 'url' });
    await expect(
      app.services.webhooks.upsert(meta, { url: 'http://localhost/x', filters: { productId: 'p1' } }),
    ).rejects.toMatchObject({ field: 'url' });
  });
});
