import type { IssuedToken, OAuth2ClientCredentials } from './oauth2-token-request.js';

/** A token without `expires_in` is reused this long. */
export const DEFAULT_TOKEN_LIFETIME_MS = 5 * 60 * 1000;
const MAX_REFRESH_MARGIN_MS = 30 * 1000;

/**
 * How long a token is reused: until shortly before it expires (30 s, or a
 * tenth of its lifetime for short-lived tokens), so a delivery does not set
 * out with a token that dies on the way.
 */
export function tokenLifetimeMs(expiresInSeconds: number | null): number {
  if (expiresInSeconds === null) return DEFAULT_TOKEN_LIFETIME_MS;
  const lifetime = expiresInSeconds * 1000;
  return lifetime - Math.min(MAX_REFRESH_MARGIN_MS, lifetime / 10);
}

type Entry = {
  credentials: OAuth2ClientCredentials;
  token: string | null;
  expiresAt: number;
  pending: Promise<string> | null;
};

const sameCredentials = (a: OAuth2ClientCredentials, b: OAuth2ClientCredentials): boolean =>
  a.tokenUrl === b.tokenUrl &&
  a.clientId === b.clientId &&
  a.clientSecret === b.clientSecret &&
  a.scope === b.scope &&
  a.audience === b.audience;

/**
 * Access tokens per webhook. Concurrent sends of one webhook share one token
 * request; a failed request is not remembered (the next send asks again). A
 * webhook whose credentials changed gets a new token even before
 * `forget` is called.
 */
export class OAuth2TokenCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly fetchToken: (credentials: OAuth2ClientCredentials) => Promise<IssuedToken>,
    private readonly now: () => number = Date.now,
  ) {}

  token(webhookId: string, credentials: OAuth2ClientCredentials): Promise<string> {
    const entry = this.#entries.get(webhookId);
    if (entry && sameCredentials(entry.credentials, credentials)) {
      if (entry.token !== null && this.now() < entry.expiresAt) return Promise.resolve(entry.token);
      if (entry.pending !== null) return entry.pending;
    }
    const fresh: Entry = { credentials, token: null, expiresAt: 0, pending: null };
    fresh.pending = this.fetchToken(credentials).then(
      (issued) => {
        // Store it only if nobody forgot or replaced this webhook's entry meanwhile.
        if (this.#entries.get(webhookId) === fresh) {
          fresh.token = issued.accessToken;
          fresh.expiresAt = this.now() + tokenLifetimeMs(issued.expiresInSeconds);
          fresh.pending = null;
        }
        return issued.accessToken;
      },
      (error: unknown) => {
        if (this.#entries.get(webhookId) === fresh) this.#entries.delete(webhookId);
        throw error;
      },
    );
    this.#entries.set(webhookId, fresh);
    return fresh.pending;
  }

  /**
   * The receiver refused `token` (401). Drops it unless a newer one already
   * replaced it, so that many sends refused at once lead to one new request.
   */
  invalidate(webhookId: string, token: string): void {
    const entry = this.#entries.get(webhookId);
    if (entry && entry.token === token && entry.pending === null) this.#entries.delete(webhookId);
  }

  forget(webhookId: string): void {
    this.#entries.delete(webhookId);
  }

  clear(): void {
    this.#entries.clear();
  }
}
