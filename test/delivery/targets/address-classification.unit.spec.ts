import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../../src/delivery/targets/address-classification.js';
import { isMetadataHostname } from '../../../src/delivery/targets/metadata-hostnames.js';

const reasonOf = (address: string) => {
  const verdict = classifyAddress(address);
  return verdict.allowed ? 'allowed' : verdict.reason;
};

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['93.184.216.34'],
    ['100.63.255.255'], // just below carrier-grade NAT
    ['100.128.0.0'], // just above
    ['172.15.255.255'], // just below 172.16/12
    ['172.32.0.0'], // just above
    ['2606:4700:4700::1111'],
    ['2a00:1450:4001:80b::200e'],
    ['::ffff:8.8.8.8'], // IPv4-mapped public
    ['64:ff9b::808:808'], // NAT64 of 8.8.8.8
  ])('lets the public address %s through', (address) => {
    expect(classifyAddress(address).allowed).toBe(true);
  });

  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['10.0.0.1', 'a private (RFC 1918) address'],
    ['172.16.0.1', 'a private (RFC 1918) address'],
    ['172.31.255.255', 'a private (RFC 1918) address'],
    ['192.168.1.1', 'a private (RFC 1918) address'],
    ['169.254.0.1', 'a link-local address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['100.127.255.255', 'a carrier-grade NAT address'],
    ['100.100.100.200', 'a cloud metadata address'],
    ['0.0.0.0', 'an unspecified address'],
    ['0.1.2.3', 'an unspecified address'],
    ['255.255.255.255', 'a broadcast address'],
    ['224.0.0.1', 'a multicast address'],
    ['240.0.0.1', 'a reserved address'],
    ['192.0.0.192', 'a cloud metadata address'],
    ['192.0.2.1', 'a reserved address'],
    ['198.18.0.1', 'a reserved address'],
  ])('refuses the IPv4 address %s as %s', (address, reason) => {
    expect(reasonOf(address)).toBe(reason);
  });

  it.each([
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fe80::1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['fc00::1', 'a unique-local address'],
    ['fd12:3456:789a::1', 'a unique-local address'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['ff02::1', 'a multicast address'],
    ['fec0::1', 'a site-local address'],
    ['2001:db8::1', 'a reserved address'],
    ['2002:7f00:1::1', 'a 6to4 tunnel address'],
    ['2002:808:808::1', 'a 6to4 tunnel address'],
    ['2001:0:4136:e378::1', 'a Teredo tunnel address'],
    ['::7f00:1', 'an IPv4-compatible IPv6 address'],
    ['::ffff:0:7f00:1', 'an IPv4-translated (SIIT) address'],
    ['64:ff9b:1::a00:1', 'a local-use NAT64 address'],
    ['100::1', 'a special-purpose address (discard)'],
  ])('refuses the IPv6 address %s as %s', (address, reason) => {
    expect(reasonOf(address)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'a loopback address (IPv4-mapped 127.0.0.1)'],
    ['::ffff:7f00:1', 'a loopback address (IPv4-mapped 127.0.0.1)'],
    ['::ffff:10.1.2.3', 'a private (RFC 1918) address (IPv4-mapped 10.1.2.3)'],
    ['::ffff:169.254.169.254', 'a cloud metadata address (IPv4-mapped 169.254.169.254)'],
    ['::ffff:100.64.0.1', 'a carrier-grade NAT address (IPv4-mapped 100.64.0.1)'],
    ['64:ff9b::7f00:1', 'a loopback address (NAT64 127.0.0.1)'],
    ['64:ff9b::a9fe:a9fe', 'a cloud metadata address (NAT64 169.254.169.254)'],
  ])('judges %s by the IPv4 address it carries', (address, reason) => {
    expect(reasonOf(address)).toBe(reason);
  });

  it('reads the IPv4 spellings inet_aton accepts', () => {
    expect(reasonOf('127.1')).toBe('a loopback address');
    expect(reasonOf('0x7f.0.0.1')).toBe('a loopback address');
  });

  it('refuses what is not an address', () => {
    expect(reasonOf('example.com')).toBe('not an IP address');
    expect(reasonOf('')).toBe('not an IP address');
  });
});

describe('isMetadataHostname', () => {
  it('knows the metadata services by name, whatever the case or a trailing dot', () => {
    expect(isMetadataHostname('metadata.google.internal')).toBe(true);
    expect(isMetadataHostname('Metadata.Google.Internal.')).toBe(true);
    expect(isMetadataHostname('instance-data.ec2.internal')).toBe(true);
    expect(isMetadataHostname('metadata.example.com')).toBe(false);
    expect(isMetadataHostname('example.com')).toBe(false);
  });
});
