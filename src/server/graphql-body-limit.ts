import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuseBody } from './refuse-body.js';

/**
 * The largest GraphQL request body accepted. A published event's payload may
 * be 256 KiB of JSON; inlined in a query string its escaping can double that,
 * so there is room for it and the rest of the operation. Anything larger is
 * refused before Yoga reads it into memory.
 */
export const MAX_GRAPHQL_BODY_BYTES = 1024 * 1024;

const graphqlError = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

/**
 * Lets a GraphQL request through to Yoga when its body is known to be within
 * the limit; otherwise answers it (413 over the limit, 411 for a body without
 * a length) and returns false. Knowing the length up front is what lets the
 * limit hold without reading the body twice; GraphQL clients send it.
 */
export function admitGraphQLBody(req: IncomingMessage, res: ServerResponse): boolean {
  const declared = req.headers['content-length'];
  if (declared === undefined) {
    if (req.headers['transfer-encoding'] === undefined) return true;
    refuseBody(req, res, 411, MAX_GRAPHQL_BODY_BYTES, graphqlError('send the request with a Content-Length header', 'LENGTH_REQUIRED'));
    return false;
  }
  if (Number(declared) > MAX_GRAPHQL_BODY_BYTES) {
    refuseBody(
      req,
      res,
      413,
      MAX_GRAPHQL_BODY_BYTES,
      graphqlError(`the request body must be at most ${MAX_GRAPHQL_BODY_BYTES} bytes`, 'PAYLOAD_TOO_LARGE'),
    );
    return false;
  }
  return true;
}
