import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { openEventStore } from '../eventstore/open-event-store.js';
import { CliError, EXIT_USAGE } from './cli-error.js';
import { exportTenant } from './export/export-command.js';
import { replay } from './replay/replay-command.js';

const USAGE = `Usage: hookgate <command> [options]

Commands:
  replay [--write]                 Rebuild every read model from the event log and compare it with the live one.
                                   Exit 0: equal; 1: differences (listed); 2: could not run.
                                   --write  replace the live read model with the rebuilt one (stop the server first)
  export --tenant ID [--out FILE]  Write the tenant's event history as JSON Lines, secrets redacted (stdout by default).

The store and the read model are found as the server finds them: HOOKGATE_DATA_DIR, HOOKGATE_READ_MODEL_PATH,
KURRENTDB_CONNECTION_STRING (see the README).
`;

const stdoutLine = (line: string) => process.stdout.write(`${line}\n`);
const stderrLine = (line: string) => process.stderr.write(`${line}\n`);

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command !== 'replay' && command !== 'export') throw new CliError(`Unknown command "${command}"\n\n${USAGE}`);

  let values: { write?: boolean; tenant?: string; out?: string };
  try {
    ({ values } =
      command === 'replay'
        ? parseArgs({ args: rest, options: { write: { type: 'boolean', default: false } }, strict: true, allowPositionals: false })
        : parseArgs({
            args: rest,
            options: { tenant: { type: 'string' }, out: { type: 'string' } },
            strict: true,
            allowPositionals: false,
          }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (command === 'export' && !values.tenant) throw new CliError(`export needs --tenant ID\n\n${USAGE}`);

  const config = loadConfig();
  const store = await openEventStore(config);
  try {
    return command === 'replay'
      ? await replay(config, store, { write: values.write ?? false }, stdoutLine)
      : await exportTenant(store, { tenantId: values.tenant!, out: values.out }, stderrLine);
  } finally {
    await store.close();
  }
}

try {
  const code = await run(process.argv.slice(2));
  // Exit explicitly: a store client may hold handles (gRPC channels) that would keep the process alive.
  process.exit(code);
} catch (error) {
  if (error instanceof CliError) {
    stderrLine(`hookgate: ${error.message}`);
    process.exit(error.exitCode);
  }
  stderrLine(`hookgate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(EXIT_USAGE);
}
