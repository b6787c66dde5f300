import type Database from 'better-sqlite3';
import { redactSecrets } from '../../domain/redact.js';

export const REBUILT_SCHEMA = 'rebuilt';
/** Rows shown per table and side; the counts say how many more there are. */
const SHOWN_ROWS = 3;
const SHOWN_VALUE_LENGTH = 300;

export type Row = Record<string, unknown>;

/** One value that differs between the live and the rebuilt row of the same key; `path` is the column, then the JSON path inside it. */
export interface ValueChange {
  path: string;
  live: unknown;
  rebuilt: unknown;
}

/** A row present on both sides under the same primary key, with different values. */
export interface ChangedRow {
  key: Row;
  changes: ValueChange[];
}

export type TableComparison =
  | { table: string; kind: 'equal'; rows: number }
  | { table: string; kind: 'only-live' | 'only-rebuilt'; rows: number }
  | { table: string; kind: 'columns'; liveColumns: string[]; rebuiltColumns: string[] }
  | {
      table: string;
      kind: 'rows';
      liveRows: number;
      rebuiltRows: number;
      onlyLive: number;
      onlyRebuilt: number;
      /** A few differing rows, made safe to print (see printableValue): paired by key where both sides have it. */
      changed: ChangedRow[];
      liveSamples: Row[];
      rebuiltSamples: Row[];
    };

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

function tables(db: Database.Database, schema: string): string[] {
  return db
    .prepare(`SELECT name FROM ${quote(schema)}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)
    .pluck()
    .all() as string[];
}

function columns(db: Database.Database, schema: string, table: string): string[] {
  return db.prepare(`SELECT name FROM pragma_table_info(?, ?) ORDER BY name`).pluck().all(table, schema) as string[];
}

function primaryKey(db: Database.Database, schema: string, table: string): string[] {
  return db.prepare(`SELECT name FROM pragma_table_info(?, ?) WHERE pk > 0 ORDER BY pk`).pluck().all(table, schema) as string[];
}

const MAX_CHANGES_PER_ROW = 10;

/** A column value as JSON when it is a JSON document, so that differences can be shown inside it. */
function structured(value: unknown): unknown {
  if (typeof value !== 'string' || !(value.startsWith('{') || value.startsWith('['))) return value;
  try {
    return redactSecrets(JSON.parse(value));
  } catch {
    return value;
  }
}

function collectChanges(path: string, live: unknown, rebuilt: unknown, into: ValueChange[]): void {
  if (into.length >= MAX_CHANGES_PER_ROW) return;
  const bothObjects = typeof live === 'object' && live !== null && typeof rebuilt === 'object' && rebuilt !== null;
  if (bothObjects && Array.isArray(live) === Array.isArray(rebuilt)) {
    const keys = new Set([...Object.keys(live), ...Object.keys(rebuilt)]);
    for (const key of keys) {
      collectChanges(`${path}.${key}`, (live as Record<string, unknown>)[key], (rebuilt as Record<string, unknown>)[key], into);
    }
    return;
  }
  if (JSON.stringify(live) !== JSON.stringify(rebuilt)) {
    into.push({ path, live: printableValue(JSON.stringify(live) ?? 'absent'), rebuilt: printableValue(JSON.stringify(rebuilt) ?? 'absent') });
  }
}

/** What differs between two rows of one key, column by column and inside JSON documents; secrets redacted on both sides first. */
function rowChanges(live: Row, rebuilt: Row): ValueChange[] {
  const changes: ValueChange[] = [];
  for (const column of Object.keys(live)) collectChanges(column, structured(live[column]), structured(rebuilt[column]), changes);
  return changes;
}

/**
 * A value as it may be printed: JSON documents are walked and every sealed
 * secret in them replaced (they are ciphertext, but nothing secret-shaped is
 * printed at all), long values are cut.
 */
function printableValue(value: unknown): unknown {
  if (typeof value !== 'string') return Buffer.isBuffer(value) ? `<${value.length} bytes>` : value;
  let shown = value;
  if (value.startsWith('{') || value.startsWith('[')) {
    try {
      shown = JSON.stringify(redactSecrets(JSON.parse(value)));
    } catch {
      // not JSON: shown as the text it is
    }
  }
  return shown.length > SHOWN_VALUE_LENGTH ? `${shown.slice(0, SHOWN_VALUE_LENGTH)}… (${shown.length} characters)` : shown;
}

const printable = (row: Row): Row => Object.fromEntries(Object.entries(row).map(([name, value]) => [name, printableValue(value)]));

/**
 * Compares every table of the live read model (the connection's main schema)
 * with the rebuilt one (attached as `rebuilt`), row by row and regardless of
 * order: rows are compared as sets over all columns (every read-model table
 * has a primary key, so a set is the table), counts are compared as well.
 */
export function compareReadModels(db: Database.Database): TableComparison[] {
  const live = new Set(tables(db, 'main'));
  const rebuilt = new Set(tables(db, REBUILT_SCHEMA));
  const count = (schema: string, table: string) =>
    db.prepare(`SELECT count(*) FROM ${quote(schema)}.${quote(table)}`).pluck().get() as number;
  const results: TableComparison[] = [];

  for (const table of [...new Set([...live, ...rebuilt])].sort()) {
    if (!rebuilt.has(table)) {
      results.push({ table, kind: 'only-live', rows: count('main', table) });
      continue;
    }
    if (!live.has(table)) {
      results.push({ table, kind: 'only-rebuilt', rows: count(REBUILT_SCHEMA, table) });
      continue;
    }
    const liveColumns = columns(db, 'main', table);
    const rebuiltColumns = columns(db, REBUILT_SCHEMA, table);
    if (liveColumns.join('\u0000') !== rebuiltColumns.join('\u0000')) {
      results.push({ table, kind: 'columns', liveColumns, rebuiltColumns });
      continue;
    }
    const list = liveColumns.map(quote).join(', ');
    const except = (from: string, minus: string) =>
      `SELECT ${list} FROM ${quote(from)}.${quote(table)} EXCEPT SELECT ${list} FROM ${quote(minus)}.${quote(table)}`;
    const differing = (from: string, minus: string) => ({
      count: db.prepare(`SELECT count(*) FROM (${except(from, minus)})`).pluck().get() as number,
      rows: db.prepare(`${except(from, minus)} LIMIT ${SHOWN_ROWS}`).all() as Row[],
    });
    const liveRows = count('main', table);
    const rebuiltRows = count(REBUILT_SCHEMA, table);
    const onlyLive = differing('main', REBUILT_SCHEMA);
    const onlyRebuilt = differing(REBUILT_SCHEMA, 'main');
    if (liveRows === rebuiltRows && onlyLive.count === 0 && onlyRebuilt.count === 0) {
      results.push({ table, kind: 'equal', rows: liveRows });
      continue;
    }
    // Pair a live row with the rebuilt row of the same key, to show what changed rather than two whole rows.
    const key = primaryKey(db, 'main', table);
    const keyOf = (row: Row) => Object.fromEntries(key.map((column) => [column, row[column]]));
    const counterpart = (schema: string, row: Row) =>
      key.length === 0
        ? undefined
        : (db
            .prepare(`SELECT ${list} FROM ${quote(schema)}.${quote(table)} WHERE ${key.map((c) => `${quote(c)} IS ?`).join(' AND ')}`)
            .get(...key.map((column) => row[column])) as Row | undefined);
    const changed: ChangedRow[] = [];
    const liveSamples: Row[] = [];
    for (const row of onlyLive.rows) {
      const other = counterpart(REBUILT_SCHEMA, row);
      if (other) changed.push({ key: printable(keyOf(row)), changes: rowChanges(row, other) });
      else liveSamples.push(printable(row));
    }
    const rebuiltSamples = onlyRebuilt.rows.filter((row) => !counterpart('main', row)).map(printable);
    results.push({
      table,
      kind: 'rows',
      liveRows,
      rebuiltRows,
      onlyLive: onlyLive.count,
      onlyRebuilt: onlyRebuilt.count,
      changed,
      liveSamples,
      rebuiltSamples,
    });
  }
  return results;
}

/** The report, one block per table; equal tables take one line. */
export function describeComparison(results: readonly TableComparison[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    switch (result.kind) {
      case 'equal':
        lines.push(`  ${result.table}: equal (${result.rows} rows)`);
        break;
      case 'only-live':
        lines.push(`  ${result.table}: DIFFERS: only in the live read model (${result.rows} rows); no projection builds it`);
        break;
      case 'only-rebuilt':
        lines.push(`  ${result.table}: DIFFERS: missing from the live read model (${result.rows} rows rebuilt)`);
        break;
      case 'columns':
        lines.push(
          `  ${result.table}: DIFFERS: columns differ (live: ${result.liveColumns.join(', ')}; rebuilt: ${result.rebuiltColumns.join(', ')})`,
        );
        break;
      case 'rows':
        lines.push(
          `  ${result.table}: DIFFERS: ${result.liveRows} rows live, ${result.rebuiltRows} rebuilt; ` +
            `${result.onlyLive} only in live, ${result.onlyRebuilt} only in rebuilt`,
        );
        for (const row of result.changed) {
          lines.push(`    changed ${JSON.stringify(row.key)}:`);
          for (const change of row.changes) lines.push(`      ${change.path}: live ${String(change.live)}, rebuilt ${String(change.rebuilt)}`);
        }
        for (const row of result.liveSamples) lines.push(`    only live:    ${JSON.stringify(row)}`);
        for (const row of result.rebuiltSamples) lines.push(`    only rebuilt: ${JSON.stringify(row)}`);
        break;
      default: {
        const unhandled: never = result;
        return unhandled;
      }
    }
  }
  return lines;
}

export const hasDifferences = (results: readonly TableComparison[]): boolean => results.some((r) => r.kind !== 'equal');
