import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One token request as the endpoint saw it. */
export interface TokenRequest {
  contentType: string | null;
  grantType: string | null;
  scope: string | null;
  audience: string | null;
  /** The client id from HTTP Basic (RFC 6749 §2.3.1), null without Basic credentials. */
  clientId: string | null;
  /** Whether the Basic credentials matched the endpoint's client. */
  authenticated: boolean;
  /** What the endpoint answered. */
  status: number;
}

export interface TokenEndpointRejection {
  status: number;
  /** The OAuth2 `error` field, e.g. `invalid_client`. */
  error: string;
  errorDescription?: string;
}

export interface TokenEndpointOptions {
  clientId: string;
  clientSecret: string;
  /** Seconds; null leaves `expires_in` out of the answer. Default 3600. */
  expiresIn?: number | null;
  /** Default `Bearer`. */
  tokenType?: string;
}

export interface OAuth2TokenEndpoint {
  /** `http://127.0.0.1:<port>/oauth/token`. */
  readonly url: string;
  readonly requests: TokenRequest[];
  /** Tokens handed out, in order. */
  readonly issued: string[];
  setExpiresIn(seconds: number | null): void;
  /** Answers every request with this error until given null. */
  rejectWith(rejection: TokenEndpointRejection | null): void;
  /** Whether a token was issued here, has not expired and was not revoked: for a bearer receiver's `accepts`. */
  isValid(token: string): boolean;
  /** Makes every token issued so far invalid (a receiver then answers 401). */
  revokeAll(): void;
  close(): Promise<void>;
}

/** `application/x-www-form-urlencoded` decoding, as RFC 6749 §2.3.1 asks of Basic client credentials. */
const formDecode = (text: string): string => decodeURIComponent(text.replace(/\+/g, ' '));

function basicCredentials(request: IncomingMessage): { clientId: string; clientSecret: string } | null {
  const match = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/** A local OAuth2 token endpoint for the client credentials grant, with client authentication by HTTP Basic. */
export async function startTokenEndpoint(options: TokenEndpointOptions): Promise<OAuth2TokenEndpoint> {
  let expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
  let rejection: TokenEndpointRejection | null = null;
  const requests: TokenRequest[] = [];
  const issued: string[] = [];
  const expiries = new Map<string, number>();

  const server = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const credentials = basicCredentials(request);
      const authenticated =
        credentials !== null &&
        credentials.clientId === options.clientId &&
        credentials.clientSecret === options.clientSecret;
      const grantType = form.get('grant_type');

      const answer = (status: number, body: Record<string, unknown>): void => {
        requests.push({
          contentType: request.headers['content-type'] ?? null,
          grantType,
          scope: form.get('scope'),
          audience: form.get('audience'),
          clientId: credentials?.clientId ?? null,
          authenticated,
          status,
        });
        response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify(body));
      };

      if (rejection) {
        answer(rejection.status, { error: rejection.error, error_description: rejection.errorDescription });
      } else if (!authenticated) {
        answer(401, { error: 'invalid_client', error_description: 'client authentication failed' });
      } else if (grantType !== 'client_credentials') {
        answer(400, { error: 'unsupported_grant_type' });
      } else {
        const token = `tok-${issued.length + 1}-${randomBytes(8).toString('hex')}`;
        issued.push(token);
        expiries.set(token, expiresIn === null ? Number.POSITIVE_INFINITY : Date.now() + expiresIn * 1000);
        answer(200, {
          access_token: token,
          token_type: options.tokenType ?? 'Bearer',
          ...(expiresIn === null ? {} : { expires_in: expiresIn }),
        });
      }
    })().catch(() => response.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    requests,
    issued,
    setExpiresIn: (seconds) => {
      expiresIn = seconds;
    },
    rejectWith: (next) => {
      rejection = next;
    },
    isValid: (token) => (expiries.get(token) ?? 0) > Date.now(),
    revokeAll: () => expiries.clear(),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
