import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEncryptionKeys } from '../../src/secrets/encryption-keys.js';
import { encryptionKeyFrom, SecretBox, UnknownEncryptionKey } from '../../src/secrets/secret-box.js';

const key = () => encryptionKeyFrom(randomBytes(32));

describe('SecretBox', () => {
  it('seals so that the plaintext is not visible and opens it again', () => {
    const box = new SecretBox([key()]);
    const sealed = box.seal('hunter2-password');
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(box.open(sealed)).toBe('hunter2-password');
    expect(box.seal('hunter2-password').ciphertext).not.toBe(sealed.ciphertext);
  });

  it('gives the same fingerprint for the same secret and another for another', () => {
    const box = new SecretBox([key()]);
    expect(box.seal('a').fingerprint).toBe(box.seal('a').fingerprint);
    expect(box.seal('a').fingerprint).not.toBe(box.seal('b').fingerprint);
  });

  it('opens secrets sealed under an older key after a new key is put first', () => {
    const oldKey = key();
    const sealedBefore = new SecretBox([oldKey]).seal('old secret');
    const rotated = new SecretBox([key(), oldKey]);
    expect(rotated.open(sealedBefore)).toBe('old secret');
    expect(rotated.seal('new').keyId).not.toBe(oldKey.id);
  });

  it('refuses a ciphertext under a key it does not have, or one that was tampered with', () => {
    const sealed = new SecretBox([key()]).seal('x');
    expect(() => new SecretBox([key()]).open(sealed)).toThrow(UnknownEncryptionKey);
    const box = new SecretBox([key()]);
    const good = box.seal('hello');
    const tampered = { ...good, ciphertext: Buffer.from('jello').toString('base64') };
    expect(() => box.open(tampered)).toThrow();
  });
});

describe('loadEncryptionKeys', () => {
  it('reads a comma-separated list of base64 or hex keys from the environment, newest first', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = loadEncryptionKeys({ fromEnvironment: `${a.toString('base64')},${b.toString('hex')}`, dataDir: '/nonexistent', mayCreateKeyFile: false });
    expect(keys.map((k) => k.key)).toEqual([a, b]);
  });

  it('rejects a key of the wrong size', () => {
    expect(() => loadEncryptionKeys({ fromEnvironment: 'c2hvcnQ=', dataDir: '/x', mayCreateKeyFile: false })).toThrow(/32 bytes/);
  });

  it('creates a private key file in the data directory once and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookgate-keys-'));
    try {
      const first = loadEncryptionKeys({ fromEnvironment: undefined, dataDir: dir, mayCreateKeyFile: true });
      const again = loadEncryptionKeys({ fromEnvironment: undefined, dataDir: dir, mayCreateKeyFile: true });
      expect(again[0]!.id).toBe(first[0]!.id);
      expect(statSync(join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'encryption.key'), 'utf8').trim()).toHaveLength(44);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('insists on the variable for a shared store', () => {
    expect(() => loadEncryptionKeys({ fromEnvironment: undefined, dataDir: '/x', mayCreateKeyFile: false })).toThrow(
      /HOOKGATE_ENCRYPTION_KEY/,
    );
  });
});
