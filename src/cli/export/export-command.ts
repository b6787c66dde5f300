import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { redactSecrets } from '../../domain/redact.js';
import type { EventStore, RecordedEvent } from '../../eventstore/event-store.js';
import { tenantStream } from '../../streams/stream-names.js';
import { CliError, EXIT_OK } from '../cli-error.js';
import { countEvents, progressBar, type Progress } from '../progress.js';

export interface ExportOptions {
  tenantId: string;
  /** A file to write; stdout when absent. */
  out: string | undefined;
}

/**
 * Whether an event is the tenant's: every request stamps the acting tenant
 * into the metadata; creation events also carry it in their data, which
 * covers events written without metadata.
 */
function belongsTo(event: RecordedEvent, tenantId: string): boolean {
  if (event.metadata.tenantId !== undefined) return event.metadata.tenantId === tenantId;
  const data = event.data as { tenantId?: unknown } | null;
  return typeof data === 'object' && data !== null && data.tenantId === tenantId;
}

/** One line of the export: where the event is, what it is, who did it, and its data with every secret redacted. */
function exportLine(event: RecordedEvent): string {
  return `${JSON.stringify({
    position: event.position,
    stream: event.streamName,
    revision: event.revision,
    id: event.id,
    type: event.type,
    time: event.createdAt.toISOString(),
    metadata: redactSecrets(event.metadata),
    data: redactSecrets(event.data),
  })}\n`;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** `hookgate export --tenant ID [--out file]`: the tenant's whole history as JSON Lines, oldest first. */
export async function exportTenant(store: EventStore, options: ExportOptions, say: (line: string) => void): Promise<number> {
  const { tenantId } = options;
  if (!(await store.readStream(tenantStream(tenantId), { maxCount: 1 })).streamExists) {
    throw new CliError(`No tenant ${tenantId} in this store`);
  }
  const head = await store.headPosition();
  const out: Writable = options.out ? createWriteStream(options.out, { flags: 'w' }) : process.stdout;
  const outClosed = options.out ? once(out, 'close') : undefined;
  // A bar only when writing to a file, as documented: piped to stdout, the export is usually feeding another tool.
  let progress: Progress | undefined;
  if (options.out) progress = progressBar('export', await countEvents(store.readAll(), head));
  let scanned = 0;
  let written = 0;
  try {
    for await (const event of store.readAll()) {
      if (event.position > head) break;
      scanned++;
      if (belongsTo(event, tenantId)) {
        await write(out, exportLine(event));
        written++;
      }
      if (scanned % 1_000 === 0) progress?.update(scanned);
    }
    progress?.update(scanned);
  } finally {
    progress?.stop();
    if (options.out) {
      out.end();
      await outClosed;
    }
  }
  say(`exported ${written} events of tenant ${tenantId} (scanned ${scanned})${options.out ? ` to ${options.out}` : ''}`);
  return EXIT_OK;
}
