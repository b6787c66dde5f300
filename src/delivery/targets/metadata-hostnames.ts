/**
 * Names of cloud instance-metadata services. Most resolve to link-local
 * addresses the address check refuses anyway, but some resolve only inside
 * the cloud, and some (Equinix) to public addresses, so the names are refused
 * as such.
 */
const METADATA_HOSTNAMES: ReadonlySet<string> = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
]);

/** Case-insensitive, ignoring a trailing dot (`Metadata.Google.Internal.` is the same host). */
export function isMetadataHostname(hostname: string): boolean {
  return METADATA_HOSTNAMES.has(hostname.toLowerCase().replace(/\.$/, ''));
}
