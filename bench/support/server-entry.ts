import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { ServerEntry } from '../../test/support/server-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * The server a benchmark measures: by default the compiled build that `npm start` runs (built here
 * first, so that it is the code of this checkout); with BENCH_SERVER=source, the TypeScript sources
 * through tsx.
 */
export function serverEntry(): ServerEntry {
  const from = process.env['BENCH_SERVER'] ?? 'compiled';
  if (from === 'source') return { from: 'source' };
  if (from !== 'compiled') throw new Error(`BENCH_SERVER: ${from} is neither compiled nor source`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  return { from: 'compiled' };
}
