/**
 * Close codes hookgate uses on its own, beside the graphql-ws protocol's
 * (4400 bad request, 4401 unauthorized, 4403 forbidden, 4429 too many
 * initialisation requests, …). 4008 mirrors 1008 "policy violation" in the
 * application range, so it cannot be taken for one of the protocol's codes.
 */
export const CloseCodes = {
  /** No valid API key at connection, or the key was revoked while connected. */
  forbidden: 4403,
  /** A subscription of this connection fell more than the configured buffer behind. */
  tooSlow: 4008,
  /** The gateway is shutting down. */
  goingAway: 1001,
} as const;

/** The WebSocket an operation arrived on, as far as a subscription needs it. */
export interface LiveConnection {
  /** Closes the whole connection because one of its subscriptions fell too far behind. */
  closeTooSlow(reason: string): void;
}
