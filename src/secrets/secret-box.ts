import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** A secret as it is stored in events: AES-256-GCM ciphertext under the key named by `keyId`. */
export interface SealedSecret {
  keyId: string;
  iv: string;
  ciphertext: string;
  tag: string;
  /** Keyed hash of the plaintext: tells whether a secret supplied again is the same, without decrypting. */
  fingerprint: string;
}

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export class UnknownEncryptionKey extends Error {
  override readonly name = 'UnknownEncryptionKey';
  constructor(readonly keyId: string) {
    super(`No encryption key with id ${keyId} is configured; it is needed to read a stored secret`);
  }
}

/** The id is derived from the key, so that a key list can be reordered or extended without naming keys. */
export function encryptionKeyFrom(key: Buffer): EncryptionKey {
  if (key.length !== 32) throw new Error(`An encryption key must be 32 bytes, got ${key.length}`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key };
}

/**
 * Seals with the first key; opens with whichever key a ciphertext names, so a
 * new key can be put first without rewriting history.
 */
export class SecretBox {
  private readonly current: EncryptionKey;
  private readonly byId: Map<string, Buffer>;
  private readonly fingerprintKey: Buffer;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('At least one encryption key is needed');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.fingerprintKey = Buffer.from(hkdfSync('sha256', this.current.key, Buffer.alloc(0), 'hookgate secret fingerprint', 32));
  }

  seal(plaintext: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(this.current.id));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      keyId: this.current.id,
      iv: iv.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      fingerprint: this.fingerprint(plaintext),
    };
  }

  open(sealed: SealedSecret): string {
    const key = this.byId.get(sealed.keyId);
    if (!key) throw new UnknownEncryptionKey(sealed.keyId);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(sealed.keyId));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  }

  fingerprint(plaintext: string): string {
    return createHmac('sha256', this.fingerprintKey).update(plaintext, 'utf8').digest('base64url');
  }
}
