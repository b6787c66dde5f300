import { buildConnector } from 'undici';
import { createGuardedLookup } from './guarded-lookup.js';
import { refuseHost } from './target-policy.js';

/**
 * An undici connector that refuses unsafe targets where the connection is
 * made. Host names go through the guarded DNS lookup; IP literals never reach
 * a lookup (net.connect skips it for them), so they are classified here
 * before any socket is opened.
 */
export function buildGuardedConnector(
  options: buildConnector.BuildOptions,
  lookup = createGuardedLookup(),
): buildConnector.connector {
  const connect = buildConnector({ ...options, lookup });
  return (target, callback) => {
    const refusal = refuseHost(target.hostname);
    if (refusal) {
      callback(refusal, null);
      return;
    }
    connect(target, callback);
  };
}
