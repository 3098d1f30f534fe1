import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SqliteConnection, SqliteParams, SqliteStatement } from './sqlite-driver.js';

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
      module = process.getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined;
    } catch {
      module = undefined;
    }
    loaded = { module };
  }
  return loaded.module;
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
    if (this.db.isOpen) this.db.close();
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
