import { cachedAddresses } from './dns-cache.js';
import { refuseHost, refuseResolved, unbracketHost } from './target-policy.js';

export type ResolveAllAddresses = (hostname: string) => Promise<string[]>;

/**
 * How long a registration waits for DNS. A resolver that drops a query makes
 * getaddrinfo retry after seconds; the API should not hang on it, and a name
 * not resolved in time is judged by the connect-time guard like any other.
 */
export const REGISTRATION_RESOLVE_WAIT_MS = 1_000;

/** The addresses, or undefined when the lookup fails or takes longer than `waitMs`. */
async function resolveWithin(resolve: ResolveAllAddresses, hostname: string, waitMs: number): Promise<string[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((done) => {
    timer = setTimeout(done, waitMs, undefined);
  });
  try {
    return await Promise.race([resolve(hostname), gaveUp]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Registration-time check of a webhook or token url: refuses (throws
 * UnsafeTargetError naming the address) when the host is, or resolves to any,
 * address deliveries may not reach. A host that does not resolve (yet) is not
 * refused here, nor is one that takes longer than `resolveWaitMs`: it is not
 * known to be unsafe, and the connect-time guard judges whatever it resolves
 * to when a delivery is made.
 */
export async function assertSafeTarget(
  url: string | URL,
  options: { allowPrivateTargets: boolean; resolve?: ResolveAllAddresses; resolveWaitMs?: number },
): Promise<void> {
  if (options.allowPrivateTargets) return;
  const hostname = unbracketHost((typeof url === 'string' ? new URL(url) : url).hostname);
  const refusal = refuseHost(hostname);
  if (refusal) throw refusal;
  const addresses = await resolveWithin(options.resolve ?? cachedAddresses, hostname, options.resolveWaitMs ?? REGISTRATION_RESOLVE_WAIT_MS);
  if (addresses === undefined) return;
  const unsafe = refuseResolved(hostname, addresses);
  if (unsafe) throw unsafe;
}
