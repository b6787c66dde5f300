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
  // Kept for good: an error after the excerpt was taken must not go unhandled.
  body.on('error', ignore);
  const chunks: Buffer[] = [];
  let size = 0;
  const ended = await new Promise<boolean>((resolve) => {
    const finish = (complete: boolean): void => {
      body.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onEnd);
      resolve(complete);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) {
        body.pause();
        finish(false);
      }
    };
    const onEnd = (): void => finish(true);
    body.on('data', onData).once('end', onEnd).once('close', onEnd).once('error', onEnd);
  });
  const bytes = Buffer.concat(chunks, size);
  if (ended) return bytes.toString('utf8');
  await body.dump({ limit: DRAIN_LIMIT_BYTES }).catch(ignore);
  return new StringDecoder('utf8').write(bytes.subarray(0, maxBytes));
}

/** Reads a whole body up to `maxBytes`; null when it is longer (or cut short). */
export async function readSmallBody(body: ResponseBody, maxBytes: number): Promise<string | null> {
  body.on('error', ignore);
  const chunks: Buffer[] = [];
  let size = 0;
  const complete = await new Promise<boolean>((resolve) => {
    const finish = (ok: boolean): void => {
      body.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      resolve(ok);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBytes) {
        body.destroy();
        finish(false);
      }
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(false);
    body.on('data', onData).once('end', onEnd).once('close', onClose).once('error', onClose);
  });
  return complete ? Buffer.concat(chunks, size).toString('utf8') : null;
}
