import type { IncomingMessage } from 'node:http';

export type BodyRead = { kind: 'read'; body: Buffer } | { kind: 'too-large' } | { kind: 'gone' };

/**
 * Reads a request body into one Buffer, counting as it goes: it stops at the
 * first byte past `maxBytes` (a chunked body declares no length; refuseBody
 * takes it from there), and answers `gone` when the client or its connection
 * went away first, as there is then no one to answer.
 *
 * The GraphQL endpoint reads its body here too rather than let Yoga stream
 * it: left on `req.body`, the buffer is what Yoga's server adapter
 * (@whatwg-node/server) builds the Fetch Request from, instead of piping the
 * Node stream through a Fetch body, which costs a stream pipeline, an
 * AbortSignal and an AbortError with its stack trace on every request.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (read: BodyRead): void => {
      req.off('data', onData).off('end', onEnd).off('close', onGone).off('error', onGone);
      resolve(read);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ kind: 'read', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onGone = (): void => finish({ kind: 'gone' });
    req.on('data', onData).once('end', onEnd).once('close', onGone).once('error', onGone);
  });
}
