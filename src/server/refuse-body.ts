import type { IncomingMessage, ServerResponse } from 'node:http';

/** After refusing a body, how long the rest of it is read and dropped before the connection is cut. */
const LINGER_MS = 2_000;

/**
 * Refuses a request's body (413, 411) without reading it any further into memory. Cutting the
 * connection at once would make the kernel reset it while the client is still
 * sending, and many clients then lose the answer; so the rest is read and
 * dropped for a while (as nginx's lingering close does), up to four times the
 * limit, and then no more is read until the connection is cut.
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, status: 411 | 413, limitBytes: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  let dropped = 0;
  const cut = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    // Enough read: stop reading rather than cut at once, so that the client, held back by TCP, gets to read
    // the answer before the connection goes at the end of the linger (a reset would discard it unread).
    if (dropped > 4 * limitBytes) req.pause();
  });
  req.once('end', () => clearTimeout(timer));
  req.resume();
}
