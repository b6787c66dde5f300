import { GraphQLError } from 'graphql';
import type { LiveRequest } from '../../realtime/live-feeds.js';
import type { GraphQLContext } from '../context.js';
import { requestMeta } from '../request-meta.js';

/**
 * The tenant a subscription follows and how it is cut off when it falls too
 * far behind: its WebSocket is closed with the reason. Subscriptions are
 * served over WebSocket only (graphql-ws), where that bound is enforced.
 */
export function liveRequest(context: GraphQLContext): LiveRequest {
  const { connection } = context;
  if (!connection) {
    throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws, protocol graphql-transport-ws) at /graphql', {
      extensions: { code: 'BAD_REQUEST' },
    });
  }
  return {
    tenantId: requestMeta(context).tenantId,
    onTooSlow: (error) => connection.closeTooSlow(error.message),
  };
}
