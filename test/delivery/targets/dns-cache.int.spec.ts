import { describe, expect, it } from 'vitest';
import { cachedLookupAll } from '../../../src/delivery/targets/dns-cache.js';
import { createGuardedLookup } from '../../../src/delivery/targets/guarded-lookup.js';

const lookupAll = (hostname: string, family?: number) =>
  new Promise<{ address: string; family: number }[]>((resolve, reject) =>
    cachedLookupAll(hostname, { all: true, ...(family && { family }) }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

describe('the DNS cache of registrations and outbound connections', () => {
  it('answers a name from the hosts file with plain address entries, of the family asked for', async () => {
    const addresses = await lookupAll('localhost', 4);
    expect(addresses.length).toBeGreaterThan(0);
    for (const entry of addresses) expect(entry).toStrictEqual({ address: expect.stringMatching(/^127\./), family: 4 });
  });

  it('still lets the connect-time guard refuse what the cache answers', async () => {
    const guarded = createGuardedLookup();
    const refusal = await new Promise<unknown>((resolve) => guarded('localhost', { all: true }, (error) => resolve(error)));
    expect(String(refusal)).toMatch(/refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
  });
});
