import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/domain/decider.js';
import type { WebhookCommand } from '../../src/domain/webhook/webhook-commands.js';
import { webhookDecider } from '../../src/domain/webhook/webhook-commands.js';
import { evolveWebhook, initialWebhookState, type WebhookEvent } from '../../src/domain/webhook/webhook-events.js';
import { activeSigningSecrets } from '../../src/domain/webhook/webhook-rules.js';
import {
  at,
  createWebhook,
  existing,
  given,
  iso,
  sealed,
  T0,
  updateWebhook,
  webhookCreated,
  webhookDeactivated,
  webhookTested,
} from './webhook-fixtures.js';

const created = webhookCreated();

describe('CreateWebhook', () => {
  it('creates a NEW tenant-level webhook at version 0', () => {
    const state = existing(given([]).when(createWebhook()).then([created]));
    expect(state).toMatchObject({
      id: 'wh-1',
      tenantId: 'tenant-1',
      state: 'NEW',
      productId: null,
      version: 0,
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
      lastTest: null,
      deactivation: null,
      previousSigningSecret: null,
      createdVia: 'CREATE',
    });
  });

  it('creates a product-level webhook when the filters name a product', () => {
    const state = existing(
      given([])
        .when(createWebhook({ filters: { productId: 'prod-1' } }))
        .then([webhookCreated({ filters: { productId: 'prod-1', clouds: [], eventTypes: [] } })]),
    );
    expect(state.productId).toBe('prod-1');
  });

  it('records that it was created by an upsert', () => {
    const state = existing(given([]).when(createWebhook({ via: 'UPSERT' })).then([webhookCreated({ createdVia: 'UPSERT' })]));
    expect(state.createdVia).toBe('UPSERT');
  });

  it('stores the url as the URL parser normalises it and the description trimmed', () => {
    given([])
      .when(createWebhook({ url: 'HTTPS://Receiver.Example.COM', description: '  orders  ' }))
      .then([webhookCreated({ url: 'https://receiver.example.com/', description: 'orders' })]);
  });

  it('treats a blank description as none', () => {
    given([]).when(createWebhook({ description: '   ' })).then([created]);
  });

  it('keeps custom headers, auth and the signing secret', () => {
    const auth = { type: 'BASIC' as const, username: 'vendor', password: sealed('pw') };
    given([])
      .when(createWebhook({ auth, headers: { 'X-Team': 'billing' } }))
      .then([webhookCreated({ auth, headers: { 'X-Team': 'billing' } })]);
  });

  it('refuses to create a webhook that already exists', () => {
    given([created]).when(createWebhook()).thenThrows('ALREADY_EXISTS', 'webhookId');
  });

  it('refuses a signing secret that is not sealed', () => {
    given([])
      .when(createWebhook({ signingSecret: 'whsec_plain' as never }))
      .thenThrows('INVALID_INPUT', 'signingSecret');
  });

  it('refuses an invalid clock', () => {
    given([]).when(createWebhook({ now: new Date('nope') })).thenThrows('INVALID_INPUT', 'now');
  });

  it('refuses an unknown creation path', () => {
    given([]).when(createWebhook({ via: 'IMPORT' as never })).thenThrows('INVALID_INPUT', 'via');
  });
});

describe('commands on a webhook that does not exist', () => {
  const commands: WebhookCommand[] = [
    updateWebhook({ url: 'https://other.example.com/' }),
    { type: 'RecordWebhookTest', data: { ok: true, durationMs: 1, now: T0 } },
    { type: 'DeactivateWebhook', data: { source: 'USER', now: T0 } },
    { type: 'ReactivateWebhook', data: { now: T0 } },
    { type: 'RotateWebhookSecret', data: { newSecret: sealed('s2'), overlapSeconds: 60, now: T0 } },
  ];
  it.each(commands.map((command) => [command.type, command] as const))('%s is NOT_FOUND', (_, command) => {
    given([]).when(command).thenThrows('NOT_FOUND');
  });
});

describe('RecordWebhookTest', () => {
  const test = (ok: boolean, data: Partial<{ statusCode: number | null; durationMs: number; error: string | null }> = {}) =>
    ({
      type: 'RecordWebhookTest',
      data: { ok, statusCode: ok ? 200 : 500, durationMs: 42, error: ok ? null : 'HTTP 500', now: at(1), ...data },
    }) satisfies WebhookCommand;

  it('a passing test makes a NEW webhook VALID and records the result', () => {
    const state = existing(given([created]).when(test(true)).then([webhookTested(true)]));
    expect(state.state).toBe('VALID');
    expect(state.lastTest).toStrictEqual({ ok: true, statusCode: 200, durationMs: 42, error: null, testedAt: iso(1) });
    expect(state.updatedAt).toBe(T0.toISOString());
    expect(state.version).toBe(1);
  });

  it('a failing test makes it INVALID', () => {
    const state = existing(given([created]).when(test(false)).then([webhookTested(false)]));
    expect(state.state).toBe('INVALID');
  });

  it('a failing test turns a VALID webhook INVALID, and a passing one brings it back', () => {
    expect(existing(given([created, webhookTested(true)]).when(test(false)).then([webhookTested(false)])).state).toBe('INVALID');
    expect(existing(given([created, webhookTested(false)]).when(test(true)).then([webhookTested(true)])).state).toBe('VALID');
  });

  it('records a connection failure without a status code', () => {
    given([created])
      .when(test(false, { statusCode: undefined, error: 'ECONNREFUSED' }))
      .then([{ type: 'WebhookTested', data: { ok: false, statusCode: null, durationMs: 42, error: 'ECONNREFUSED', testedAt: iso(1) } }]);
  });

  it('cuts a very long error message instead of refusing the result', () => {
    const [event] = webhookDecider.decide(test(false, { error: 'x'.repeat(5000) }), foldEvents(webhookDecider, [created]));
    expect(event?.type === 'WebhookTested' && event.data.error?.length).toBe(1000);
  });

  it('refuses to test a DEACTIVATED webhook', () => {
    given([created, webhookDeactivated()]).when(test(true)).thenThrows('INVALID_STATE');
  });

  it.each([99, 600, 200.5])('refuses status code %s', (statusCode) => {
    given([created]).when(test(true, { statusCode })).thenThrows('INVALID_INPUT', 'statusCode');
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses duration %s', (durationMs) => {
    given([created]).when(test(true, { durationMs })).thenThrows('INVALID_INPUT', 'durationMs');
  });
});

describe('UpdateWebhook: re-test rules', () => {
  const valid = [created, webhookTested(true)];
  const updated = (changes: object, state: string): WebhookEvent =>
    ({ type: 'WebhookUpdated', data: { changes, state, updatedAt: iso(10) } }) as WebhookEvent;

  it('a new url makes a VALID webhook NEW again', () => {
    const state = existing(
      given(valid)
        .when(updateWebhook({ url: 'https://other.example.com/hooks' }))
        .then([updated({ url: 'https://other.example.com/hooks' }, 'NEW')]),
    );
    expect(state).toMatchObject({ url: 'https://other.example.com/hooks', state: 'NEW', updatedAt: iso(10), version: 2 });
  });

  it('an auth of another type makes it NEW', () => {
    const auth = { type: 'BASIC' as const, username: 'u', password: sealed('pw') };
    given(valid).when(updateWebhook({ auth })).then([updated({ auth }, 'NEW')]);
  });

  it('another non-secret auth field makes it NEW', () => {
    const basic = (username: string) => ({ type: 'BASIC' as const, username, password: sealed('pw') });
    given([webhookCreated({ auth: basic('u1') }), webhookTested(true)])
      .when(updateWebhook({ auth: basic('u2') }))
      .then([updated({ auth: basic('u2') }, 'NEW')]);
  });

  it('a secret with another fingerprint makes it NEW', () => {
    const apiKey = (secret: string) => ({ type: 'HEADER_API_KEY' as const, headerName: 'X-Api-Key', apiKey: sealed(secret) });
    given([webhookCreated({ auth: apiKey('k1') }), webhookTested(true)])
      .when(updateWebhook({ auth: apiKey('k2') }))
      .then([updated({ auth: apiKey('k2') }, 'NEW')]);
  });

  it('the same secret sealed again (same fingerprint, new ciphertext) is no change', () => {
    const basic = (keyId: string) => ({ type: 'BASIC' as const, username: 'u', password: sealed('pw', keyId) });
    given([webhookCreated({ auth: basic('key-1') }), webhookTested(true)])
      .when(updateWebhook({ auth: basic('key-2') }))
      .then([]);
  });

  it('other custom headers make it NEW', () => {
    given(valid)
      .when(updateWebhook({ headers: { 'X-Team': 'billing' } }))
      .then([updated({ headers: { 'X-Team': 'billing' } }, 'NEW')]);
  });

  it('null headers clear them', () => {
    given([webhookCreated({ headers: { 'X-Team': 'a' } })])
      .when(updateWebhook({ headers: null }))
      .then([updated({ headers: {} }, 'NEW')]);
  });

  it('a new description or new filters keep it VALID', () => {
    given(valid).when(updateWebhook({ description: 'Orders' })).then([updated({ description: 'Orders' }, 'VALID')]);
    given(valid)
      .when(updateWebhook({ filters: { clouds: ['GCP'], eventTypes: ['order.*'] } }))
      .then([updated({ filters: { productId: null, clouds: ['GCP'], eventTypes: ['order.*'] } }, 'VALID')]);
  });

  it('a null description clears it', () => {
    given([webhookCreated({ description: 'Orders' })])
      .when(updateWebhook({ description: null }))
      .then([updated({ description: null }, 'NEW')]);
  });

  it('an update that changes nothing emits no events', () => {
    given(valid)
      .when(
        updateWebhook({
          url: 'https://RECEIVER.example.com/hooks',
          description: '',
          filters: { clouds: ['AWS'] },
          auth: { type: 'NONE' },
          headers: {},
        }),
      )
      .then([]);
  });

  it('the same filters in another order are no change', () => {
    given([webhookCreated({ filters: { productId: null, clouds: ['AWS', 'GCP'], eventTypes: ['a', 'b'] } })])
      .when(updateWebhook({ filters: { clouds: ['GCP', 'AWS'], eventTypes: ['b', 'a'] } }))
      .then([]);
  });

  it('state NEW asks for a re-test of a VALID webhook', () => {
    const state = existing(given(valid).when(updateWebhook({ state: 'NEW' })).then([updated({}, 'NEW')]));
    expect(state.state).toBe('NEW');
  });

  it('state NEW on a webhook that is already NEW changes nothing', () => {
    given([created]).when(updateWebhook({ state: 'NEW' })).then([]);
  });

  it('state NEW together with a description change is one update', () => {
    given(valid).when(updateWebhook({ state: 'NEW', description: 'd' })).then([updated({ description: 'd' }, 'NEW')]);
  });

  it('state DEACTIVATED deactivates', () => {
    const state = existing(
      given(valid)
        .when(updateWebhook({ state: 'DEACTIVATED' }))
        .then([{ type: 'WebhookDeactivated', data: { reason: null, source: 'USER', deactivatedAt: iso(10) } }]),
    );
    expect(state.state).toBe('DEACTIVATED');
  });

  it('state DEACTIVATED with other changes emits the update, then the deactivation', () => {
    given(valid)
      .when(updateWebhook({ state: 'DEACTIVATED', url: 'https://other.example.com/' }))
      .then([
        updated({ url: 'https://other.example.com/' }, 'NEW'),
        { type: 'WebhookDeactivated', data: { reason: null, source: 'USER', deactivatedAt: iso(10) } },
      ]);
  });

  it('state DEACTIVATED on a deactivated webhook changes nothing', () => {
    given([created, webhookDeactivated()]).when(updateWebhook({ state: 'DEACTIVATED' })).then([]);
  });

  it.each(['VALID', 'INVALID', 'ACTIVE'])('state %s is refused', (state) => {
    given(valid)
      .when(updateWebhook({ state: state as never }))
      .thenThrows('INVALID_INPUT', 'state');
  });

  it('a deactivated webhook can be reconfigured but stays DEACTIVATED', () => {
    const state = existing(
      given([created, webhookDeactivated()])
        .when(updateWebhook({ url: 'https://other.example.com/' }))
        .then([updated({ url: 'https://other.example.com/' }, 'DEACTIVATED')]),
    );
    expect(state.state).toBe('DEACTIVATED');
    expect(state.deactivation).toStrictEqual({ reason: null, source: 'USER' });
  });

  it('state NEW does not bring a deactivated webhook back (reactivate does)', () => {
    given([created, webhookDeactivated()]).when(updateWebhook({ state: 'NEW' })).thenThrows('INVALID_STATE', 'state');
  });

  it('refuses an invalid url on update too', () => {
    given(valid).when(updateWebhook({ url: 'http://other.example.com/' })).thenThrows('INVALID_INPUT', 'url');
  });

  it('null url, filters and auth mean "unchanged"', () => {
    given(valid)
      .when(updateWebhook({ url: null as never, filters: null as never, auth: null as never }))
      .then([]);
  });
});

describe('UpdateWebhook: scope and cross-field rules', () => {
  const productLevel = webhookCreated({ filters: { productId: 'p1', clouds: [], eventTypes: [] } });

  it('filters without a productId keep the product scope', () => {
    given([productLevel])
      .when(updateWebhook({ filters: { eventTypes: ['invoice.*'] } }))
      .then([
        {
          type: 'WebhookUpdated',
          data: { changes: { filters: { productId: 'p1', clouds: [], eventTypes: ['invoice.*'] } }, state: 'NEW', updatedAt: iso(10) },
        },
      ]);
  });

  it('refuses to move a webhook to another product', () => {
    given([productLevel]).when(updateWebhook({ filters: { productId: 'p2' } })).thenThrows('INVALID_INPUT', 'filters.productId');
  });

  it('refuses to turn a product-level webhook into a tenant-level one', () => {
    given([productLevel])
      .when(updateWebhook({ filters: { productId: null, clouds: ['AWS'] } }))
      .thenThrows('INVALID_INPUT', 'filters.productId');
  });

  it('refuses to turn a tenant-level webhook into a product-level one', () => {
    given([created]).when(updateWebhook({ filters: { productId: 'p1' } })).thenThrows('INVALID_INPUT', 'filters.productId');
  });

  it('refuses API key auth whose header is already a custom header', () => {
    given([webhookCreated({ headers: { 'x-api-key': 'v' } })])
      .when(updateWebhook({ auth: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: sealed('k') } }))
      .thenThrows('INVALID_INPUT', 'auth.headerName');
  });

  it('refuses a custom header that is the header of the stored API key auth', () => {
    given([webhookCreated({ auth: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: sealed('k') } })])
      .when(updateWebhook({ headers: { 'X-API-KEY': 'v' } }))
      .thenThrows('INVALID_INPUT', 'headers.X-API-KEY');
  });

  it('accepts API key auth and headers that replace the clashing one together', () => {
    given([webhookCreated({ headers: { 'X-Api-Key': 'v' } })])
      .when(
        updateWebhook({
          auth: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: sealed('k') },
          headers: { 'X-Team': 't' },
        }),
      )
      .then([
        {
          type: 'WebhookUpdated',
          data: {
            changes: {
              auth: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: sealed('k') },
              headers: { 'X-Team': 't' },
            },
            state: 'NEW',
            updatedAt: iso(10),
          },
        },
      ]);
  });
});

describe('DeactivateWebhook and ReactivateWebhook', () => {
  const deactivate = (source: 'USER' | 'GONE' | 'FAILING', reason?: string): WebhookCommand => ({
    type: 'DeactivateWebhook',
    data: { source, reason, now: at(5) },
  });

  it.each(['USER', 'GONE', 'FAILING'] as const)('deactivates on behalf of %s, keeping the reason', (source) => {
    const state = existing(
      given([created, webhookTested(true)])
        .when(deactivate(source, ' receiver said 410 '))
        .then([{ type: 'WebhookDeactivated', data: { reason: 'receiver said 410', source, deactivatedAt: iso(5) } }]),
    );
    expect(state).toMatchObject({
      state: 'DEACTIVATED',
      deactivation: { reason: 'receiver said 410', source },
      updatedAt: iso(5),
    });
  });

  it('deactivating a deactivated webhook emits nothing', () => {
    given([created, webhookDeactivated()]).when(deactivate('FAILING')).then([]);
  });

  it('refuses an unknown source and an overlong reason', () => {
    given([created]).when(deactivate('ADMIN' as never)).thenThrows('INVALID_INPUT', 'source');
    given([created]).when(deactivate('USER', 'x'.repeat(1001))).thenThrows('INVALID_INPUT', 'reason');
  });

  it('reactivating brings a deactivated webhook back to NEW', () => {
    const state = existing(
      given([created, webhookTested(true), webhookDeactivated()])
        .when({ type: 'ReactivateWebhook', data: { now: at(6) } })
        .then([{ type: 'WebhookReactivated', data: { reactivatedAt: iso(6) } }]),
    );
    expect(state).toMatchObject({ state: 'NEW', deactivation: null, updatedAt: iso(6), version: 3 });
  });

  it.each([
    ['NEW', [created]],
    ['VALID', [created, webhookTested(true)]],
    ['INVALID', [created, webhookTested(false)]],
  ] as const)('refuses to reactivate a %s webhook', (_, history) => {
    given([...history]).when({ type: 'ReactivateWebhook', data: { now: at(6) } }).thenThrows('INVALID_STATE');
  });
});

describe('RotateWebhookSecret', () => {
  const rotate = (secret: string, overlapSeconds: number, minutes = 60): WebhookCommand => ({
    type: 'RotateWebhookSecret',
    data: { newSecret: sealed(secret), overlapSeconds, now: at(minutes) },
  });

  it('replaces the signing secret and keeps the old one valid until now + overlap', () => {
    const state = existing(
      given([created])
        .when(rotate('signing-2', 24 * 3600))
        .then([
          {
            type: 'WebhookSecretRotated',
            data: {
              newSecret: sealed('signing-2'),
              previousSecret: sealed('signing-1'),
              previousSecretExpiresAt: '2025-01-02T01:00:00.000Z',
              rotatedAt: iso(60),
            },
          },
        ]),
    );
    expect(state.signingSecret).toStrictEqual(sealed('signing-2'));
    expect(state.previousSigningSecret).toStrictEqual({ secret: sealed('signing-1'), expiresAt: '2025-01-02T01:00:00.000Z' });
    expect(activeSigningSecrets(state, new Date('2025-01-02T00:59:59.999Z'))).toStrictEqual([sealed('signing-2'), sealed('signing-1')]);
    expect(activeSigningSecrets(state, new Date('2025-01-02T01:00:00.000Z'))).toStrictEqual([sealed('signing-2')]);
  });

  it('with no overlap the old secret stops at once', () => {
    const state = existing(
      given([created])
        .when(rotate('signing-2', 0))
        .then([
          {
            type: 'WebhookSecretRotated',
            data: { newSecret: sealed('signing-2'), previousSecret: sealed('signing-1'), previousSecretExpiresAt: iso(60), rotatedAt: iso(60) },
          },
        ]),
    );
    expect(activeSigningSecrets(state, at(60))).toStrictEqual([sealed('signing-2')]);
  });

  it('a second rotation retires the secret the first one kept', () => {
    const first = webhookDecider.decide(rotate('signing-2', 3600), foldEvents(webhookDecider, [created]));
    const state = existing(
      given([created, ...first])
        .when(rotate('signing-3', 3600, 61))
        .then([
          {
            type: 'WebhookSecretRotated',
            data: { newSecret: sealed('signing-3'), previousSecret: sealed('signing-2'), previousSecretExpiresAt: iso(121), rotatedAt: iso(61) },
          },
        ]),
    );
    expect(activeSigningSecrets(state, at(62))).toStrictEqual([sealed('signing-3'), sealed('signing-2')]);
  });

  it('works on a deactivated webhook without changing its state', () => {
    const state = existing(
      given([created, webhookDeactivated()])
        .when(rotate('signing-2', 60))
        .then([
          {
            type: 'WebhookSecretRotated',
            data: { newSecret: sealed('signing-2'), previousSecret: sealed('signing-1'), previousSecretExpiresAt: iso(61), rotatedAt: iso(60) },
          },
        ]),
    );
    expect(state.state).toBe('DEACTIVATED');
  });

  it('refuses the current secret as the new one', () => {
    given([created]).when(rotate('signing-1', 60)).thenThrows('INVALID_INPUT', 'newSecret');
  });

  it('refuses a new secret that is not sealed', () => {
    given([created])
      .when({ type: 'RotateWebhookSecret', data: { newSecret: { keyId: 'k' } as never, overlapSeconds: 60, now: T0 } })
      .thenThrows('INVALID_INPUT', 'newSecret');
  });

  it.each([-1, 1.5, 30 * 24 * 3600 + 1, Number.NaN])('refuses an overlap of %s seconds', (overlap) => {
    given([created]).when(rotate('signing-2', overlap)).thenThrows('INVALID_INPUT', 'overlapSeconds');
  });
});

describe('evolveWebhook', () => {
  it('version is the 0-based revision of the last event', () => {
    const events: WebhookEvent[] = [created, webhookTested(true), webhookDeactivated(), { type: 'WebhookReactivated', data: { reactivatedAt: iso(3) } }];
    events.forEach((_, index) => {
      expect(existing(foldEvents(webhookDecider, events.slice(0, index + 1))).version).toBe(index);
    });
  });

  it('fails loudly on a stream that was not written by the decider', () => {
    expect(() => evolveWebhook(initialWebhookState(), webhookTested(true))).toThrow(/does not exist/);
    expect(() => evolveWebhook(evolveWebhook(initialWebhookState(), created), created)).toThrow(/already exists/);
  });
});
