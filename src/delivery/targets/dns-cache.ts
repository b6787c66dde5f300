import type { LookupAddress, LookupAllOptions } from 'node:dns';
import CacheableLookup from 'cacheable-lookup';

/**
 * A DNS cache (cacheable-lookup) for the registration check and for the
 * connections to receivers, one per thread (the sender thread has its own). Node's `dns.lookup` caches nothing and runs on
 * libuv's four threads: a burst of registrations or deliveries to one host
 * would ask the resolver once per request, and one dropped query (a 5 s
 * retry) holds a thread. Here concurrent lookups of a name share one query
 * and answers live for their TTL (at most a minute; failures for a second).
 * Caching does not weaken the SSRF guard: every cached answer is still
 * judged at registration and at each connect.
 */
const cache = new CacheableLookup({ maxTtl: 60, errorTtl: 1 });

export type AllAddressesLookup = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** `dns.lookup` with `all: true`, answered from the cache. */
export const cachedLookupAll: AllAddressesLookup = (hostname, options, callback) => {
  const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : undefined;
  cache.lookupAsync(hostname, { all: true, ...(family && { family }), ...(options.hints !== undefined && { hints: options.hints }) }).then(
    (entries) => callback(null, entries.map(({ address, family }) => ({ address, family }))),
    (error: NodeJS.ErrnoException) => callback(error, []),
  );
};

/** Every address of `hostname`, answered from the cache. */
export async function cachedAddresses(hostname: string): Promise<string[]> {
  return (await cache.lookupAsync(hostname, { all: true })).map((entry) => entry.address);
}
