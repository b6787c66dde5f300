import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { WebhookAuth } from '../../src/domain/webhook/webhook-events.js';
import {
  AUTH_TYPE_FIELDS,
  mapAuthSecrets,
  RESERVED_HEADER_NAMES,
  validateAuthInput,
  type AuthInput,
} from '../../src/domain/webhook/webhook-rules.js';
import { createWebhook, given, sealed, webhookCreated } from './webhook-fixtures.js';

const creates = (data: Parameters<typeof createWebhook>[0]) => given([]).when(createWebhook(data));

describe('url', () => {
  it('accepts https', () => {
    creates({ url: 'https://receiver.example.com/hooks' }).then([webhookCreated()]);
  });

  it('refuses http unless the deployment allows it', () => {
    creates({ url: 'http://receiver.example.com/hooks' }).thenThrows('INVALID_INPUT', 'url');
  });

  it('accepts http when the deployment allows it', () => {
    creates({ url: 'http://127.0.0.1:8080/hooks', allowHttp: true }).then([webhookCreated({ url: 'http://127.0.0.1:8080/hooks' })]);
  });

  it('accepts a url of 2048 characters and refuses one of 2049', () => {
    const base = 'https://receiver.example.com/';
    const url = (length: number) => base + 'a'.repeat(length - base.length);
    creates({ url: url(2048) }).then([webhookCreated({ url: url(2048) })]);
    creates({ url: url(2049) }).thenThrows('INVALID_INPUT', 'url');
  });

  it.each(['https://user:pass@receiver.example.com/', 'https://user@receiver.example.com/', 'https://:pass@receiver.example.com/'])(
    'refuses credentials in %s',
    (url) => {
      creates({ url }).thenThrows('INVALID_INPUT', 'url');
    },
  );

  it.each(['https://receiver.example.com/#section', 'https://receiver.example.com/#'])('refuses the fragment in %s', (url) => {
    creates({ url }).thenThrows('INVALID_INPUT', 'url');
  });

  it.each([
    ['empty', ''],
    ['relative', '/hooks'],
    ['without scheme', 'receiver.example.com/hooks'],
    ['another scheme', 'ftp://receiver.example.com/'],
    ['without slashes', 'https:receiver.example.com'],
    ['with a space', 'https://receiver.example.com/a b'],
    ['with a newline', 'https://receiver.example.com/\n'],
    ['unparseable', 'https://[::1/'],
    ['not a string', 42],
  ])('refuses a url that is %s', (_, url) => {
    creates({ url: url as string }).thenThrows('INVALID_INPUT', 'url');
  });
});

describe('description', () => {
  it('refuses more than 1000 characters', () => {
    creates({ description: 'd'.repeat(1001) }).thenThrows('INVALID_INPUT', 'description');
  });

  it('allows line breaks but no other control characters', () => {
    creates({ description: 'line 1\nline 2' }).then([webhookCreated({ description: 'line 1\nline 2' })]);
    creates({ description: 'bell\u0007' }).thenThrows('INVALID_INPUT', 'description');
  });
});

describe('filters', () => {
  it.each([
    ['missing', undefined],
    ['null', null],
    ['an empty object', {}],
    ['empty lists', { clouds: [], eventTypes: [] }],
    ['a blank product id only', { productId: '  ' }],
  ])('refuses filters that are %s', (_, filters) => {
    creates({ filters: filters as never }).thenThrows('INVALID_INPUT', 'filters');
  });

  it('accepts a product id alone, clouds alone or event types alone', () => {
    creates({ filters: { productId: 'p1' } }).then([webhookCreated({ filters: { productId: 'p1', clouds: [], eventTypes: [] } })]);
    creates({ filters: { clouds: ['AWS', 'AZURE', 'GCP', 'REDHAT'] } }).then([
      webhookCreated({ filters: { productId: null, clouds: ['AWS', 'AZURE', 'GCP', 'REDHAT'], eventTypes: [] } }),
    ]);
    creates({ filters: { eventTypes: ['invoice.*'] } }).then([
      webhookCreated({ filters: { productId: null, clouds: [], eventTypes: ['invoice.*'] } }),
    ]);
  });

  it.each([
    ['lower case', ['aws'], 'filters.clouds.0'],
    ['unknown', ['AWS', 'IBM'], 'filters.clouds.1'],
    ['listed twice', ['GCP', 'GCP'], 'filters.clouds.1'],
  ])('refuses a cloud that is %s', (_, clouds, field) => {
    creates({ filters: { clouds } }).thenThrows('INVALID_INPUT', field);
  });

  it('refuses a product id over 128 characters', () => {
    creates({ filters: { productId: 'p'.repeat(129) } }).thenThrows('INVALID_INPUT', 'filters.productId');
  });

  it.each([
    'invoice..paid',
    '.invoice',
    'invoice.',
    'invoice*',
    'invoice.*.paid',
    '*.paid',
    'invoice.**',
    'in voice',
    'café.paid',
    'invoice/paid',
    '',
    'a'.repeat(129),
  ])('refuses the event type pattern %j', (pattern) => {
    creates({ filters: { eventTypes: [pattern] } }).thenThrows('INVALID_INPUT', 'filters.eventTypes.0');
  });

  it('accepts exact types, prefix patterns and *, up to 128 characters', () => {
    const eventTypes = ['invoice.paid', 'invoice.*', '*', '101', 'Order_line-added.v2', 'a'.repeat(126) + '.*'];
    creates({ filters: { eventTypes } }).then([webhookCreated({ filters: { productId: null, clouds: [], eventTypes } })]);
  });

  it('refuses a pattern listed twice, naming the second', () => {
    creates({ filters: { eventTypes: ['a.b', 'a.c', 'a.b'] } }).thenThrows('INVALID_INPUT', 'filters.eventTypes.2');
  });

  it('accepts 100 patterns and refuses 101', () => {
    const patterns = (count: number) => Array.from({ length: count }, (_, i) => `type.${i}`);
    creates({ filters: { eventTypes: patterns(100) } }).then([
      webhookCreated({ filters: { productId: null, clouds: [], eventTypes: patterns(100) } }),
    ]);
    creates({ filters: { eventTypes: patterns(101) } }).thenThrows('INVALID_INPUT', 'filters.eventTypes');
  });
});

describe('custom headers', () => {
  it('accepts up to 20 valid headers and refuses 21', () => {
    const headers = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`X-H${i}`, `v${i}`]));
    creates({ headers: headers(20) }).then([webhookCreated({ headers: headers(20) })]);
    creates({ headers: headers(21) }).thenThrows('INVALID_INPUT', 'headers');
  });

  it.each(RESERVED_HEADER_NAMES)('refuses the reserved header %s in any case', (name) => {
    creates({ headers: { [name]: 'v' } }).thenThrows('INVALID_INPUT', `headers.${name}`);
    const shouted = name.toUpperCase();
    creates({ headers: { [shouted]: 'v' } }).thenThrows('INVALID_INPUT', `headers.${shouted}`);
  });

  it('refuses a header that is the header of the API key auth', () => {
    creates({
      auth: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: sealed('k') },
      headers: { 'x-api-key': 'other' },
    }).thenThrows('INVALID_INPUT', 'headers.x-api-key');
  });

  it.each(['X Foo', 'X:Foo', 'X-Föö', '(x)', 'x"y', 'a'.repeat(257)])('refuses the header name %j', (name) => {
    creates({ headers: { [name]: 'v' } }).thenThrows('INVALID_INPUT', `headers.${name}`);
  });

  it('refuses an empty header name', () => {
    creates({ headers: { '': 'v' } }).thenThrows('INVALID_INPUT', 'headers.');
  });

  it.each([
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['CRLF injection', 'a\r\nX-Evil: 1'],
    ['NUL', 'a\u0000b'],
    ['a character undici cannot send', 'emoji 🎉'],
    ['4097 characters', 'v'.repeat(4097)],
  ])('refuses a value with %s', (_, value) => {
    creates({ headers: { 'X-Foo': value } }).thenThrows('INVALID_INPUT', 'headers.X-Foo');
  });

  it('accepts tabs, Latin-1, an empty value and 4096 characters', () => {
    const headers = { 'X-Tab': 'a\tb', 'X-Latin': 'café', 'X-Empty': '', 'X-Long': 'v'.repeat(4096) };
    creates({ headers }).then([webhookCreated({ headers })]);
  });

  it('refuses the same name twice in different case', () => {
    creates({ headers: { 'X-Foo': 'a', 'x-foo': 'b' } }).thenThrows('INVALID_INPUT', 'headers.x-foo');
  });

  it('refuses a value that is not a string', () => {
    creates({ headers: { 'X-Foo': 1 as never } }).thenThrows('INVALID_INPUT', 'headers.X-Foo');
  });
});

/** One complete auth of each type, to derive missing and foreign fields from. */
const sealedAuths: Record<WebhookAuth['type'], Record<string, unknown>> = {
  NONE: { type: 'NONE' },
  BASIC: { type: 'BASIC', username: 'vendor', password: sealed('pw') },
  HEADER_API_KEY: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: sealed('key') },
  OAUTH2_CLIENT_CREDENTIALS: {
    type: 'OAUTH2_CLIENT_CREDENTIALS',
    clientId: 'client',
    clientSecret: sealed('cs'),
    tokenUrl: 'https://auth.example.com/token',
    scope: 'webhooks',
    audience: 'https://api.example.com',
  },
};
const plainAuths: Record<WebhookAuth['type'], AuthInput> = {
  NONE: { type: 'NONE' },
  BASIC: { type: 'BASIC', username: 'vendor', password: 'hunter2' },
  HEADER_API_KEY: { type: 'HEADER_API_KEY', headerName: 'X-Api-Key', apiKey: 'k-123' },
  OAUTH2_CLIENT_CREDENTIALS: {
    type: 'OAUTH2_CLIENT_CREDENTIALS',
    clientId: 'client',
    clientSecret: 's3cret',
    tokenUrl: 'https://auth.example.com/token',
    scope: 'webhooks',
    audience: 'https://api.example.com',
  },
};
const allAuthFields = [...new Set(Object.values(AUTH_TYPE_FIELDS).flat())];
const optionalAuthFields = new Set(['scope', 'audience']);
const types = Object.keys(AUTH_TYPE_FIELDS) as WebhookAuth['type'][];

const missingCases = types.flatMap((type) =>
  AUTH_TYPE_FIELDS[type].filter((field) => !optionalAuthFields.has(field)).map((field) => [type, field] as const),
);
const foreignCases = types.flatMap((type) =>
  allAuthFields.filter((field) => !AUTH_TYPE_FIELDS[type].includes(field)).map((field) => [type, field] as const),
);
const withField = (auth: Record<string, unknown>, field: string, value: unknown) => ({ ...auth, [field]: value });
const withoutField = (auth: Record<string, unknown>, field: string) =>
  Object.fromEntries(Object.entries(auth).filter(([key]) => key !== field));
/** Any present value of another type's field, taken from that type's complete example. */
const foreignValue = (field: string) => Object.values(plainAuths).find((auth) => field in auth)![field as keyof AuthInput];
const sealedForeignValue = (field: string) => Object.values(sealedAuths).find((auth) => field in auth)![field];

describe('auth in commands (secrets sealed)', () => {
  it.each(types)('accepts %s auth', (type) => {
    const auth = sealedAuths[type] as WebhookAuth;
    creates({ auth }).then([webhookCreated({ auth })]);
  });

  it('stores absent OAuth2 scope and audience as null', () => {
    const auth = withoutField(withoutField(sealedAuths.OAUTH2_CLIENT_CREDENTIALS, 'scope'), 'audience');
    creates({ auth: auth as WebhookAuth }).then([webhookCreated({ auth: { ...auth, scope: null, audience: null } as WebhookAuth })]);
  });

  it.each(missingCases)('%s auth requires %s', (type, field) => {
    creates({ auth: withoutField(sealedAuths[type], field) as WebhookAuth }).thenThrows('INVALID_INPUT', `auth.${field}`);
  });

  it.each(foreignCases)('%s auth refuses %s', (type, field) => {
    creates({ auth: withField(sealedAuths[type], field, sealedForeignValue(field)) as WebhookAuth }).thenThrows(
      'INVALID_INPUT',
      `auth.${field}`,
    );
  });

  it.each([
    ['BASIC', 'password'],
    ['HEADER_API_KEY', 'apiKey'],
    ['OAUTH2_CLIENT_CREDENTIALS', 'clientSecret'],
  ] as const)('%s auth refuses a %s that is not sealed', (type, field) => {
    creates({ auth: withField(sealedAuths[type], field, 'plaintext') as WebhookAuth }).thenThrows('INVALID_INPUT', `auth.${field}`);
    const { fingerprint: _, ...withoutFingerprint } = sealed('x');
    creates({ auth: withField(sealedAuths[type], field, withoutFingerprint) as WebhookAuth }).thenThrows(
      'INVALID_INPUT',
      `auth.${field}`,
    );
  });

  it('refuses an unknown auth type and missing auth', () => {
    creates({ auth: { type: 'DIGEST' } as never }).thenThrows('INVALID_INPUT', 'auth.type');
    creates({ auth: undefined as never }).thenThrows('INVALID_INPUT', 'auth');
  });

  it.each(RESERVED_HEADER_NAMES)('refuses the reserved header %s as the API key header', (headerName) => {
    creates({ auth: withField(sealedAuths.HEADER_API_KEY, 'headerName', headerName) as WebhookAuth }).thenThrows(
      'INVALID_INPUT',
      'auth.headerName',
    );
  });

  it('refuses an OAuth2 token URL over http unless the deployment allows it', () => {
    const auth = withField(sealedAuths.OAUTH2_CLIENT_CREDENTIALS, 'tokenUrl', 'http://127.0.0.1:9000/token') as WebhookAuth;
    creates({ auth }).thenThrows('INVALID_INPUT', 'auth.tokenUrl');
    creates({ auth, allowHttp: true }).then([webhookCreated({ auth })]);
  });

  it('refuses a basic username with a colon', () => {
    creates({ auth: withField(sealedAuths.BASIC, 'username', 'a:b') as WebhookAuth }).thenThrows('INVALID_INPUT', 'auth.username');
  });
});

describe('validateAuthInput (raw input, before sealing)', () => {
  const refusal = (input: AuthInput | null | undefined): { code: string; field: string | undefined } | 'accepted' => {
    try {
      validateAuthInput(input, { allowHttp: false });
      return 'accepted';
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { code: error.code, field: error.field };
    }
  };

  it.each(types)('accepts %s auth and returns it normalised', (type) => {
    expect(validateAuthInput(plainAuths[type], { allowHttp: false })).toStrictEqual(plainAuths[type]);
  });

  it.each(missingCases)('%s auth requires %s', (type, field) => {
    expect(refusal(withoutField(plainAuths[type], field))).toStrictEqual({ code: 'INVALID_INPUT', field: `auth.${field}` });
    expect(refusal(withField(plainAuths[type], field, null))).toStrictEqual({ code: 'INVALID_INPUT', field: `auth.${field}` });
  });

  it.each(foreignCases)('%s auth refuses %s', (type, field) => {
    expect(refusal(withField(plainAuths[type], field, foreignValue(field)))).toStrictEqual({
      code: 'INVALID_INPUT',
      field: `auth.${field}`,
    });
  });

  it('treats null fields of other types as absent, as GraphQL sends them', () => {
    expect(refusal({ ...plainAuths.BASIC, clientId: null, apiKey: null })).toBe('accepted');
  });

  it('refuses unknown fields, unknown types and missing auth', () => {
    expect(refusal({ ...plainAuths.NONE, token: 'x' } as AuthInput)).toStrictEqual({ code: 'INVALID_INPUT', field: 'auth.token' });
    expect(refusal({ type: 'basic' })).toStrictEqual({ code: 'INVALID_INPUT', field: 'auth.type' });
    expect(refusal({})).toStrictEqual({ code: 'INVALID_INPUT', field: 'auth.type' });
    expect(refusal(null)).toStrictEqual({ code: 'INVALID_INPUT', field: 'auth' });
  });

  it.each([
    ['an empty password', { ...plainAuths.BASIC, password: '' }, 'auth.password'],
    ['a password over 1024 characters', { ...plainAuths.BASIC, password: 'p'.repeat(1025) }, 'auth.password'],
    ['a username with a colon', { ...plainAuths.BASIC, username: 'a:b' }, 'auth.username'],
    ['an API key with a line break', { ...plainAuths.HEADER_API_KEY, apiKey: 'k\r\nX-Evil: 1' }, 'auth.apiKey'],
    ['an invalid API key header name', { ...plainAuths.HEADER_API_KEY, headerName: 'X Api' }, 'auth.headerName'],
    ['a reserved API key header name', { ...plainAuths.HEADER_API_KEY, headerName: 'Authorization' }, 'auth.headerName'],
    ['an http token URL', { ...plainAuths.OAUTH2_CLIENT_CREDENTIALS, tokenUrl: 'http://auth.example.com/t' }, 'auth.tokenUrl'],
    ['a secret that is not a string', { ...plainAuths.OAUTH2_CLIENT_CREDENTIALS, clientSecret: 7 }, 'auth.clientSecret'],
  ])('refuses %s', (_, input, field) => {
    expect(refusal(input as AuthInput)).toStrictEqual({ code: 'INVALID_INPUT', field });
  });

  it('normalises blank optional OAuth2 fields to null', () => {
    expect(
      validateAuthInput({ ...plainAuths.OAUTH2_CLIENT_CREDENTIALS, scope: ' ', audience: undefined }, { allowHttp: false }),
    ).toMatchObject({ scope: null, audience: null });
  });

  it('hands the secrets to mapAuthSecrets for sealing', () => {
    const plain = validateAuthInput(plainAuths.BASIC, { allowHttp: false });
    const fields: string[] = [];
    const sealedAuth = mapAuthSecrets(plain, (secret, field) => {
      fields.push(field);
      return sealed(secret);
    });
    expect(sealedAuth).toStrictEqual({ type: 'BASIC', username: 'vendor', password: sealed('hunter2') });
    expect(fields).toStrictEqual(['auth.password']);
  });
});
