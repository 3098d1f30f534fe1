import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SqliteConnection, SqliteParams, SqliteStatement } from './sqlite-connection.js';

type NodeSqlite = typeof import('node:sqlite');

let loaded: { module: NodeSqlite | undefined } | undefined;

/**
 * Node's built-in SQLite, or undefined on a Node without it (20; 22 before 22.13 without
 * --experimental-sqlite). getBuiltinModule loads it synchronously and tells "absent" without an import error.
 */
export function nodeSqliteModule(): NodeSqlite | undefined {
  if (loaded === undefined) {
    let module: NodeSqlite | undefined;
    try {
      module = withoutSqliteExperimentalWarning(() => process.getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined);
    } catch {
      module = undefined;
    }
    loaded = { module };
  }
  return loaded.module;
}

/**
 * Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" from every process that loads
 * node:sqlite (Node 24 and 26 do not). Its stability on each line is stated in the README and the queue's
 * conformance suite runs on each, so that one warning is dropped, while loading, and no other.
 */
function withoutSqliteExperimentalWarning<T>(load: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = function filtered(this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/^SQLite is an experimental feature/.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return load();
  } finally {
    process.emitWarning = emitWarning;
  }
}

class NodeStatement<Row> implements SqliteStatement<Row> {
  constructor(private readonly statement: StatementSync) {}

  run(...params: SqliteParams): { changes: number } {
    return { changes: Number(this.statement.run(...(params as never[])).changes) };
  }

  get(...params: SqliteParams): Row | undefined {
    return this.statement.get(...(params as never[])) as Row | undefined;
  }

  all(...params: SqliteParams): Row[] {
    return this.statement.all(...(params as never[])) as Row[];
  }
}

class NodeSqliteConnection implements SqliteConnection {
  readonly driver = 'node:sqlite' as const;
  /** DatabaseSync.isOpen only exists from 22.15; closing twice throws. */
  private open = true;

  constructor(private readonly db: DatabaseSync) {}

  exec(sql: string): void {
    this.db.exec(sql);
  }

  prepare<Row>(sql: string): SqliteStatement<Row> {
    return new NodeStatement<Row>(this.db.prepare(sql));
  }

  immediate<T>(body: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.rollback();
      throw error;
    }
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.db.close();
  }

  /** SQLite may already have rolled the transaction back (a full disk, an I/O error); then there is nothing to undo. */
  private rollback(): void {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // no transaction was active any more
    }
  }
}

export function openNodeSqlite(path: string): SqliteConnection {
  const sqlite = nodeSqliteModule();
  if (sqlite === undefined) throw new Error(`node:sqlite is not available on Node ${process.version}`);
  return new NodeSqliteConnection(new sqlite.DatabaseSync(path));
}
