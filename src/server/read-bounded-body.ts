import type { IncomingMessage } from 'node:http';

/**
 * Reads the body of a request whose Content-Length has been admitted (see
 * admitGraphQLBody) into one Buffer; null when the client went away first.
 *
 * Why read it here rather than let Yoga stream it: left on `req.body`, the
 * buffer is what Yoga's server adapter (@whatwg-node/server) builds the Fetch
 * Request from, instead of piping the Node stream through a Fetch body, which
 * costs a stream pipeline, an AbortSignal and an AbortError with its stack
 * trace on every request (about a tenth of the CPU of a small mutation).
 */
export function readBoundedBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ended = false;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      ended = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    // Reading a request body fails only when the client or its connection does: there is no one to answer.
    const gone = () => {
      if (!ended) resolve(null);
    };
    req.once('close', gone);
    req.once('error', gone);
  });
}
