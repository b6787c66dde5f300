import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOKEN_LIFETIME_MS,
  OAuth2TokenCache,
  tokenLifetimeMs,
} from '../../../src/delivery/sending/oauth2-token-cache.js';
import type { IssuedToken, OAuth2ClientCredentials } from '../../../src/delivery/sending/oauth2-token-request.js';

const credentials: OAuth2ClientCredentials = {
  type: 'OAUTH2_CLIENT_CREDENTIALS',
  clientId: 'client',
  clientSecret: 'secret',
  tokenUrl: 'https://auth.example.com/token',
  scope: null,
  audience: null,
};

/** A token endpoint double whose answers the test releases one by one. */
function fakeEndpoint(expiresInSeconds: number | null = 3600) {
  const requests: Array<{ resolve: (token: IssuedToken) => void; reject: (error: Error) => void }> = [];
  let issued = 0;
  return {
    requests,
    fetch: () => new Promise<IssuedToken>((resolve, reject) => requests.push({ resolve, reject })),
    answer(index = requests.length - 1) {
      requests[index]?.resolve({ accessToken: `token-${++issued}`, expiresInSeconds });
    },
  };
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('tokenLifetimeMs', () => {
  it('refreshes 30 s before expiry, or a tenth of a short lifetime', () => {
    expect(tokenLifetimeMs(3600)).toBe(3_570_000);
    expect(tokenLifetimeMs(300)).toBe(270_000);
    expect(tokenLifetimeMs(60)).toBe(54_000);
    expect(tokenLifetimeMs(1)).toBe(900);
    expect(tokenLifetimeMs(0)).toBe(0);
  });

  it('keeps a token without expires_in for the default lifetime', () => {
    expect(tokenLifetimeMs(null)).toBe(DEFAULT_TOKEN_LIFETIME_MS);
  });
});

describe('OAuth2TokenCache', () => {
  it('serves the cached token until its lifetime ends, then fetches again', async () => {
    const endpoint = fakeEndpoint(60);
    const time = clock();
    const cache = new OAuth2TokenCache(endpoint.fetch, time.now);

    const first = cache.token('wh', credentials);
    endpoint.answer();
    expect(await first).toBe('token-1');
    time.advance(53_999);
    expect(await cache.token('wh', credentials)).toBe('token-1');
    expect(endpoint.requests).toHaveLength(1);

    time.advance(1);
    const second = cache.token('wh', credentials);
    endpoint.answer();
    expect(await second).toBe('token-2');
  });

  it('keeps webhooks apart', async () => {
    const endpoint = fakeEndpoint();
    const cache = new OAuth2TokenCache(endpoint.fetch);
    const a = cache.token('wh-a', credentials);
    const b = cache.token('wh-b', credentials);
    endpoint.answer(0);
    endpoint.answer(1);
    expect([await a, await b]).toEqual(['token-1', 'token-2']);
  });

  it('does not keep a token fetched for a webhook forgotten meanwhile', async () => {
    const endpoint = fakeEndpoint();
    const cache = new OAuth2TokenCache(endpoint.fetch);
    const pending = cache.token('wh', credentials);
    cache.forget('wh');
    endpoint.answer();
    expect(await pending).toBe('token-1');

    void cache.token('wh', credentials);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('invalidating a token that was already replaced keeps the new one', async () => {
    const endpoint = fakeEndpoint();
    const cache = new OAuth2TokenCache(endpoint.fetch);
    const first = cache.token('wh', credentials);
    endpoint.answer();
    await first;
    cache.invalidate('wh', 'token-1');
    const second = cache.token('wh', credentials);
    endpoint.answer();
    await second;

    cache.invalidate('wh', 'token-1');
    expect(await cache.token('wh', credentials)).toBe('token-2');
    expect(endpoint.requests).toHaveLength(2);
  });

  it('does not remember a failed request', async () => {
    const endpoint = fakeEndpoint();
    const cache = new OAuth2TokenCache(endpoint.fetch);
    const failing = cache.token('wh', credentials);
    endpoint.requests[0]?.reject(new Error('down'));
    await expect(failing).rejects.toThrow('down');

    const retried = cache.token('wh', credentials);
    endpoint.answer();
    expect(await retried).toBe('token-1');
  });
});
