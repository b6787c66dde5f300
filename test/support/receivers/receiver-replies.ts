/** What a receiver answers to one request. */
export interface ReceiverReply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answers this many bytes of `x` instead of `body` (to prove the sender does not buffer big bodies). */
  bodyBytes?: number;
  /** Waits this long before answering (slow receivers, timeouts). */
  delayMs?: number;
  /** Resets the TCP connection instead of answering. */
  resetSocket?: boolean;
  /** Sends the status, headers and body, then never ends the response (a body that stalls). */
  stall?: boolean;
}

/** Ready-made replies for the usual receiver behaviours. */
export const replies = {
  ok: (body = 'ok'): ReceiverReply => ({ status: 200, body }),
  status: (status: number, body = `status ${status}`): ReceiverReply => ({ status, body }),
  gone: (): ReceiverReply => ({ status: 410, body: 'gone' }),
  redirect: (location: string, status = 302): ReceiverReply => ({ status, headers: { location }, body: '' }),
  /** `retryAfter` as the header's text: seconds (`'120'`) or an HTTP date. */
  retryAfter: (retryAfter: string | number, status = 429): ReceiverReply => ({
    status,
    headers: { 'retry-after': String(retryAfter) },
    body: 'slow down',
  }),
  slow: (delayMs: number, reply: ReceiverReply = { status: 200, body: 'ok' }): ReceiverReply => ({ ...reply, delayMs }),
  resetSocket: (): ReceiverReply => ({ resetSocket: true }),
  bigBody: (bytes: number, status = 200): ReceiverReply => ({ status, bodyBytes: bytes }),
  stallingBody: (firstPart: string, status = 200): ReceiverReply => ({ status, body: firstPart, stall: true }),
} as const;

/**
 * Answers with the replies in order, then keeps answering with the last one:
 * `sequence(replies.status(500), replies.status(500), replies.ok())` fails twice, then succeeds.
 */
export function sequence(...steps: [ReceiverReply, ...ReceiverReply[]]): () => ReceiverReply {
  let next = 0;
  return () => steps[Math.min(next++, steps.length - 1)] as ReceiverReply;
}
