import dns from 'node:dns';
import { refuseHost, refuseResolved, unbracketHost } from './target-policy.js';

export type ResolveAllAddresses = (hostname: string) => Promise<string[]>;

const resolveWithDns: ResolveAllAddresses = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true })).map((entry) => entry.address);

/**
 * Registration-time check of a webhook or token url: refuses (throws
 * UnsafeTargetError naming the address) when the host is, or resolves to any,
 * address deliveries may not reach. A host that does not resolve (yet) is not
 * refused here: it is not known to be unsafe, and the connect-time guard
 * judges whatever it resolves to when a delivery is made.
 */
export async function assertSafeTarget(
  url: string | URL,
  options: { allowPrivateTargets: boolean; resolve?: ResolveAllAddresses },
): Promise<void> {
  if (options.allowPrivateTargets) return;
  const hostname = unbracketHost((typeof url === 'string' ? new URL(url) : url).hostname);
  const refusal = refuseHost(hostname);
  if (refusal) throw refusal;
  let addresses: string[];
  try {
    addresses = await (options.resolve ?? resolveWithDns)(hostname);
  } catch {
    return;
  }
  const unsafe = refuseResolved(hostname, addresses);
  if (unsafe) throw unsafe;
}
