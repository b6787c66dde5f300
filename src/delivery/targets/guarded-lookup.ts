import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { cachedLookupAll, type AllAddressesLookup } from './dns-cache.js';
import { refuseHost, refuseResolved } from './target-policy.js';

/**
 * A `lookup` for net/tls `connect` that refuses unsafe addresses. The socket
 * connects to exactly the addresses this returns, so the check holds for the
 * address actually connected to: a DNS answer that changes between
 * registration and delivery (rebinding) is judged again here.
 *
 * Node calls it with `all: true` when it may try several addresses (happy
 * eyeballs, the default since Node 20) and expects an array back; otherwise
 * with one address and family. Both shapes are answered.
 */
export function createGuardedLookup(resolve: AllAddressesLookup = cachedLookupAll): LookupFunction {
  return (hostname, options, callback) => {
    const refusal = refuseHost(hostname);
    if (refusal) {
      callback(refusal, '', 0);
      return;
    }
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const unsafe = refuseResolved(
        hostname,
        addresses.map((entry) => entry.address),
      );
      if (unsafe) {
        callback(unsafe, '', 0);
        return;
      }
      if (options.all) {
        callback(null, addresses);
        return;
      }
      const [first] = addresses as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}
