import ipaddr from 'ipaddr.js';

/** Whether a delivery may connect to an address, and if not, why, in words fit for an error message. */
export type AddressClassification =
  | { allowed: true; address: string; range: string }
  | { allowed: false; address: string; range: string; reason: string };

/**
 * Only ordinary unicast addresses pass. Every range ipaddr.js names is refused
 * (an allow-list is safer than a deny-list: a new special range is refused by
 * default); these get their own words, the rest "a special-purpose address".
 */
const REASONS: Readonly<Record<string, string>> = {
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  deprecatedSiteLocal: 'a site-local address',
  '6to4': 'a 6to4 tunnel address',
  teredo: 'a Teredo tunnel address',
  rfc6145: 'an IPv4-translated (SIIT) address',
  ipv4Compatible: 'an IPv4-compatible IPv6 address',
  nat64LocalUse: 'a local-use NAT64 address',
  invalid: 'not an IP address',
};

/**
 * Metadata services sit inside ranges refused anyway (link-local, CGNAT,
 * reserved, unique-local); naming them makes the refusal self-explanatory.
 */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  '169.254.169.254', // AWS, GCP, Azure, DigitalOcean, OpenStack…
  '169.254.170.2', // AWS ECS task metadata
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (legacy)
  'fd00:ec2::254', // AWS IMDS over IPv6
]);

const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

const refused = (address: string, range: string, reason = REASONS[range] ?? `a special-purpose address (${range})`) =>
  ({ allowed: false, address, range, reason }) as const;

function classifyV4(ip: ipaddr.IPv4, address: string): AddressClassification {
  if (METADATA_ADDRESSES.has(ip.toString())) return refused(address, 'metadata', 'a cloud metadata address');
  const range = ip.range();
  return range === 'unicast' ? { allowed: true, address, range } : refused(address, range);
}

/** An IPv6 address that carries an IPv4 one is judged by the IPv4 address it reaches. */
function classifyEmbedded(v4: ipaddr.IPv4, address: string, how: string): AddressClassification {
  const inner = classifyV4(v4, v4.toString());
  return inner.allowed
    ? { allowed: true, address, range: `${how}/${inner.range}` }
    : refused(address, `${how}/${inner.range}`, `${inner.reason} (${how} ${v4.toString()})`);
}

function classifyV6(ip: ipaddr.IPv6, address: string): AddressClassification {
  if (METADATA_ADDRESSES.has(ip.toString().replace(/%.*$/, ''))) {
    return refused(address, 'metadata', 'a cloud metadata address');
  }
  const range = ip.range();
  if (range === 'ipv4Mapped') return classifyEmbedded(ip.toIPv4Address(), address, 'IPv4-mapped');
  if (range === 'rfc6052') {
    // The well-known NAT64 prefix reaches the embedded IPv4 address (DNS64 hands these out for
    // public hosts); the local-use prefix 64:ff9b:1::/48 is a site's own translator: refuse.
    if (!ip.match(NAT64_WELL_KNOWN)) return refused(address, 'nat64LocalUse');
    const [, , , , , , high = 0, low = 0] = ip.parts;
    return classifyEmbedded(ipaddr.fromByteArray([high >> 8, high & 0xff, low >> 8, low & 0xff]) as ipaddr.IPv4, address, 'NAT64');
  }
  if (range !== 'unicast') return refused(address, range);
  // ::a.b.c.d (deprecated IPv4-compatible): ipaddr.js calls it unicast, yet it may reach the IPv4 address.
  if (ip.parts.slice(0, 6).every((part) => part === 0)) return refused(address, 'ipv4Compatible');
  return { allowed: true, address, range };
}

/** Pure: whether `address` (an IPv4 or IPv6 literal, as DNS or a URL gives it) is one deliveries may reach. */
export function classifyAddress(address: string): AddressClassification {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return refused(address, 'invalid');
  }
  return ip.kind() === 'ipv4' ? classifyV4(ip as ipaddr.IPv4, address) : classifyV6(ip as ipaddr.IPv6, address);
}
