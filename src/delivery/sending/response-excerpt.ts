import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';

type ResponseBody = Dispatcher.ResponseData['body'];

/**
 * Past the excerpt, up to this much more is read and thrown away so that the
 * connection can go back to the pool; a longer body costs the connection
 * instead (undici destroys it), never memory.
 */
const DRAIN_LIMIT_BYTES = 64 * 1024;

const ignore = (): void => {};

/**
 * The first `maxBytes` of a response body as UTF-8 text (a character cut in
 * half at the end is left out). Never buffers more than that; never throws:
 * a body cut short by the receiver or the timeout gives what was read.
 */
export async function readExcerpt(body: ResponseBody, maxBytes: number): Promise<string> {
  const { bytes, end } = await readUpTo(body, maxBytes);
  if (end !== 'limit') return bytes.toString('utf8');
  await body.dump({ limit: DRAIN_LIMIT_BYTES }).catch(ignore);
  return new StringDecoder('utf8').write(bytes.subarray(0, maxBytes));
}

/** Reads a whole body up to `maxBytes`; null when it is longer (or cut short). */
export async function readSmallBody(body: ResponseBody, maxBytes: number): Promise<string | null> {
  const { bytes, end } = await readUpTo(body, maxBytes + 1);
  if (end === 'limit') body.destroy();
  return end === 'ended' ? bytes.toString('utf8') : null;
}

/**
 * Reads `body` until it ends, until it is cut short (closed or failed before
 * its end), or until at least `limit` bytes have come, when it is paused:
 * what is past the limit is the caller's to drain or drop.
 */
async function readUpTo(body: ResponseBody, limit: number): Promise<{ bytes: Buffer; end: 'ended' | 'cut' | 'limit' }> {
  // Kept for good: an error after reading stopped must not go unhandled.
  body.on('error', ignore);
  const chunks: Buffer[] = [];
  let size = 0;
  const end = await new Promise<'ended' | 'cut' | 'limit'>((resolve) => {
    const finish = (how: 'ended' | 'cut' | 'limit'): void => {
      body.off('data', onData).off('end', onEnd).off('close', onCut).off('error', onCut);
      resolve(how);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        body.pause();
        finish('limit');
      }
    };
    const onEnd = (): void => finish('ended');
    const onCut = (): void => finish('cut');
    body.on('data', onData).once('end', onEnd).once('close', onCut).once('error', onCut);
  });
  return { bytes: Buffer.concat(chunks, size), end };
}
