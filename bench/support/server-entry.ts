import { buildServer, type ServerEntry } from '../../test/support/server-process.js';

/**
 * The server a benchmark measures: by default the compiled build that `npm start` runs (built here
 * first, so that it is the code of this checkout); with BENCH_SERVER=source, the TypeScript sources
 * through tsx.
 */
export function serverEntry(): ServerEntry {
  const from = process.env['BENCH_SERVER'] ?? 'compiled';
  if (from === 'source') return { from: 'source' };
  if (from !== 'compiled') throw new Error(`BENCH_SERVER: ${from} is neither compiled nor source`);
  buildServer();
  return { from: 'compiled' };
}
