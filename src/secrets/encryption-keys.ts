import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type EncryptionKey, encryptionKeyFrom } from './secret-box.js';

export const KEY_FILE_NAME = 'encryption.key';

function decodeKey(text: string, source: string): EncryptionKey {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) {
    throw new Error(`${source}: each key must be 32 bytes, written as base64 or 64 hex digits`);
  }
  return encryptionKeyFrom(bytes);
}

/**
 * `HOOKGATE_ENCRYPTION_KEY` holds one key or a comma-separated list, newest
 * first. Without it, the embedded store keeps a key file in its data directory,
 * made on the first start; a shared store (KurrentDB) needs the variable, since
 * every instance must hold the same keys.
 */
export function loadEncryptionKeys(options: {
  fromEnvironment: string | undefined;
  dataDir: string;
  mayCreateKeyFile: boolean;
}): EncryptionKey[] {
  if (options.fromEnvironment) {
    return options.fromEnvironment
      .split(',')
      .filter((part) => part.trim() !== '')
      .map((part) => decodeKey(part, 'HOOKGATE_ENCRYPTION_KEY'));
  }
  if (!options.mayCreateKeyFile) {
    throw new Error('HOOKGATE_ENCRYPTION_KEY must be set when the event store is shared (KurrentDB)');
  }
  const path = join(options.dataDir, KEY_FILE_NAME);
  if (!existsSync(path)) {
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => decodeKey(line, path));
}
