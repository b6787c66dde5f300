/**
 * WebSocket clients (browsers above all) cannot set headers, so the API key
 * travels in graphql-ws `connectionParams`, as either
 * `{ authorization: 'Bearer hgk_…' }` (the HTTP header's value) or
 * `{ apiKey: 'hgk_…' }`. Without either, the upgrade request's own
 * `Authorization` header is used (node clients can send one).
 */
export function authorizationFrom(
  connectionParams: Readonly<Record<string, unknown>> | undefined,
  upgradeAuthorization: string | undefined,
): string | undefined {
  const params = connectionParams ?? {};
  const authorization = params['authorization'] ?? params['Authorization'];
  if (typeof authorization === 'string' && authorization.length > 0) return authorization;
  const apiKey = params['apiKey'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return `Bearer ${apiKey}`;
  return upgradeAuthorization;
}

/** A correlation id the client may pass for its operations, bounded like the HTTP header. */
export function correlationIdFrom(connectionParams: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = connectionParams?.['correlationId'] ?? connectionParams?.['x-correlation-id'];
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 128) : undefined;
}
