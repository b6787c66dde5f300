import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type BackgroundCheckpoints, startBackgroundCheckpoints } from '../src/eventstore/sqlite/background-checkpoints.js';
import { applyWalPragmas } from '../src/eventstore/sqlite/wal-pragmas.js';

export interface Checkpoint {
  version: number;
  position: number;
}

/**
 * The local database that holds read models and their checkpoints. Each
 * gateway instance has its own: it is derived data, rebuilt from the log.
 */
export class ReadModelDatabase {
  readonly db: Database.Database;
  private readonly checkpoints: BackgroundCheckpoints;
  private readonly readCheckpoint: Database.Statement;
  private readonly writeCheckpoint: Database.Statement;
  private readonly dataVersionStatement: Database.Statement;

  /** `onCheckpointError`: where failures of the background WAL checkpoints go (background-checkpoints.ts). */
  constructor(filename: string, { onCheckpointError }: { onCheckpointError?: (error: Error) => void } = {}) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    if (filename !== ':memory:') applyWalPragmas(this.db);
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS checkpoints (
        projection TEXT PRIMARY KEY,
        version    INTEGER NOT NULL,
        position   INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    this.dataVersionStatement = this.db.prepare('PRAGMA data_version').pluck();
    this.readCheckpoint = this.db.prepare('SELECT version, position FROM checkpoints WHERE projection = ?');
    this.writeCheckpoint = this.db.prepare(
      `INSERT INTO checkpoints (projection, version, position) VALUES (?, ?, ?)
       ON CONFLICT (projection) DO UPDATE SET version = excluded.version, position = excluded.position`,
    );
    this.checkpoints = startBackgroundCheckpoints(this.db, { onError: onCheckpointError });
  }

  /** SQLite's `data_version`: it changes when another connection (another process) commits to the database. */
  dataVersion(): number {
    return this.dataVersionStatement.get() as number;
  }

  checkpoint(projection: string): Checkpoint | undefined {
    return this.readCheckpoint.get(projection) as Checkpoint | undefined;
  }

  saveCheckpoint(projection: string, checkpoint: Checkpoint): void {
    this.writeCheckpoint.run(projection, checkpoint.version, checkpoint.position);
  }

  async close(): Promise<void> {
    await this.checkpoints.stop();
    if (this.db.open) this.db.close();
  }
}
