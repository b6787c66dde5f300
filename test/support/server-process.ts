import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every log line the server printed so far. */
  output: string[];
  /** SIGTERM and wait; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * How the server is run: from its TypeScript sources through tsx (as `npm run dev`), or compiled
 * (buildServer) and started with the node options of `npm start` (`buildDir`: another build's folder
 * than dist/); or another server script, such as a benchmark's baseline (TypeScript through tsx).
 * `execArgv`: more node options.
 */
export type ServerEntry = ({ from: 'source' } | { from: 'compiled'; buildDir?: string } | { from: 'script'; path: string }) & {
  execArgv?: string[];
};

/** Compiles the server as `npm run build` does, into `buildDir` (inside the checkout, so that it finds the installed packages). */
export function buildServer(buildDir = 'dist'): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', buildDir], { cwd: ROOT, stdio: 'inherit' });
}

/** The node arguments of `npm start` (its options included), with the build read from `buildDir`. */
function startArguments(buildDir: string): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [command, ...args] = start.split(/\s+/);
  if (command !== 'node') throw new Error(`npm start is not a node command: ${start}`);
  return args.map((arg) => (arg.startsWith('dist/') ? `${buildDir}/${arg.slice('dist/'.length)}` : arg));
}

function nodeArguments(entry: ServerEntry): string[] {
  switch (entry.from) {
    case 'source':
      return ['--import', 'tsx', 'src/main.ts'];
    case 'compiled':
      return startArguments(entry.buildDir ?? 'dist');
    case 'script':
      return entry.path.endsWith('.ts') ? ['--import', 'tsx', entry.path] : [entry.path];
  }
}

/** Starts the real server in its own process on a free port and waits until it listens. */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
  entry: ServerEntry = { from: 'source' },
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(entry.execArgv ?? []), ...nodeArguments(entry)], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join('\n')}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.join('\n')}`));
    });
    lines.on('line', (line) => {
      output.push(line);
      const match = /listening on (http:\/\/\S+?)"/.exec(line) ?? /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });

  return {
    url,
    child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
