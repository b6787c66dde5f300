import { isIP } from 'node:net';
import { classifyAddress } from './address-classification.js';
import { isMetadataHostname } from './metadata-hostnames.js';
import { UnsafeTargetError } from './unsafe-target-error.js';

/** `[::1]` as URL.hostname spells it → `::1`, as sockets and DNS take it. */
export const unbracketHost = (hostname: string): string =>
  hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;

/**
 * What can be refused without DNS: an IP literal that is not a public unicast
 * address, or a cloud metadata host name. Null when the host must be resolved
 * to tell.
 */
export function refuseHost(hostname: string): UnsafeTargetError | null {
  const host = unbracketHost(hostname);
  if (isIP(host) !== 0) {
    const verdict = classifyAddress(host);
    return verdict.allowed ? null : new UnsafeTargetError(host, host, verdict.reason);
  }
  return isMetadataHostname(host) ? new UnsafeTargetError(host, null, 'a cloud metadata host name') : null;
}

/**
 * Refuses a host if ANY of its addresses is unsafe, not just the one about to
 * be used: with several addresses the socket may fall back to another one
 * (happy eyeballs), and a name mixing public and private answers is suspect.
 */
export function refuseResolved(hostname: string, addresses: readonly string[]): UnsafeTargetError | null {
  if (addresses.length === 0) return new UnsafeTargetError(hostname, null, 'a name without addresses');
  for (const address of addresses) {
    const verdict = classifyAddress(address);
    if (!verdict.allowed) return new UnsafeTargetError(hostname, address, verdict.reason);
  }
  return null;
}
