import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The checkout's root, for the absolute module paths a script imports. */
export const ROOT = new URL('../../', import.meta.url).pathname;

/** A module of the checkout by its path from the root, as a script imports it (`src/...ts`). */
export const sourceModule = (path: string): string => JSON.stringify(join(ROOT, path));

/**
 * Runs `source` (TypeScript, an ES module) in a node process of its own and
 * says how it ended: its exit code, or 'still running' when it had not ended
 * after `timeoutMs` (it is then killed), and what it printed, trimmed. For
 * tests that a module lets the process end when its own work is done.
 */
export async function runScript(source: string, timeoutMs = 15_000): Promise<{ code: number | null | 'still running'; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-script-'));
  const script = join(dir, 'script.mts');
  writeFileSync(script, source);
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'still running' as const)]);
    child.kill();
    return { code, output: output.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
