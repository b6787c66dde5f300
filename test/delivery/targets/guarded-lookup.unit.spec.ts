import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { createGuardedLookup } from '../../../src/delivery/targets/guarded-lookup.js';
import { UnsafeTargetError } from '../../../src/delivery/targets/unsafe-target-error.js';

/** A DNS double: fixed answers per name. */
const fakeDns =
  (answers: Record<string, LookupAddress[]>) =>
  (hostname: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    const found = answers[hostname];
    if (found) callback(null, found);
    else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
  };

const lookup = createGuardedLookup(
  fakeDns({
    'public.test': [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ],
    'mixed.test': [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ],
    'rebound.test': [{ address: '::ffff:169.254.169.254', family: 6 }],
  }),
);

function call(hostname: string, all: boolean) {
  return new Promise<{ error: Error | null; address: unknown; family: unknown }>((resolve) =>
    lookup(hostname, { all }, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('createGuardedLookup', () => {
  it('answers every address when Node asks for all of them (happy eyeballs)', async () => {
    const { error, address } = await call('public.test', true);

    expect(error).toBeNull();
    expect(address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
  });

  it('answers one address and its family when Node asks for one', async () => {
    expect(await call('public.test', false)).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('refuses a name with any unsafe address among safe ones', async () => {
    const { error } = await call('mixed.test', true);

    expect(error).toBeInstanceOf(UnsafeTargetError);
    expect(error?.message).toBe('refused: mixed.test resolves to 10.0.0.7, a private (RFC 1918) address');
  });

  it('refuses a name that resolves to a mapped metadata address', async () => {
    const { error } = await call('rebound.test', false);

    expect(error?.message).toBe(
      'refused: rebound.test resolves to ::ffff:169.254.169.254, a cloud metadata address (IPv4-mapped 169.254.169.254)',
    );
  });

  it('refuses metadata host names without asking DNS', async () => {
    const { error } = await call('metadata.google.internal', true);

    expect(error?.message).toBe('refused: metadata.google.internal is a cloud metadata host name');
  });

  it('passes DNS failures on unchanged', async () => {
    const { error } = await call('missing.test', true);

    expect(error).not.toBeInstanceOf(UnsafeTargetError);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
  });
});
