import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteConnection, SqliteParams, SqliteStatement } from './sqlite-connection.js';

type BetterSqlite3Constructor = typeof BetterSqlite3;

let constructorOf: BetterSqlite3Constructor | undefined;

/**
 * better-sqlite3, required only when this Node has no node:sqlite: it is an optional dependency whose native
 * build may be missing (it failed to compile) or built for another Node.
 */
function betterSqlite3(): BetterSqlite3Constructor {
  constructorOf ??= createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3Constructor;
  return constructorOf;
}

/** Whether better-sqlite3 is installed and its native build loads in this Node. */
export function betterSqlite3Available(): boolean {
  try {
    new (betterSqlite3())(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

class BetterStatement<Row> implements SqliteStatement<Row> {
  constructor(private readonly statement: BetterSqlite3.Statement<unknown[], Row>) {}

  run(...params: SqliteParams): { changes: number } {
    return { changes: this.statement.run(...params).changes };
  }

  get(...params: SqliteParams): Row | undefined {
    return this.statement.get(...params);
  }

  all(...params: SqliteParams): Row[] {
    return this.statement.all(...params);
  }
}

class BetterSqlite3Connection implements SqliteConnection {
  readonly driver = 'better-sqlite3' as const;
  /** One transaction function for every body: better-sqlite3 builds a wrapper per transaction() call. */
  private readonly transaction;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.transaction = db.transaction((body: () => unknown) => body());
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  prepare<Row>(sql: string): SqliteStatement<Row> {
    return new BetterStatement<Row>(this.db.prepare<unknown[], Row>(sql));
  }

  immediate<T>(body: () => T): T {
    return this.transaction.immediate(body) as T;
  }

  close(): void {
    this.db.close();
  }
}

export function openBetterSqlite3(path: string): SqliteConnection {
  const Database = betterSqlite3();
  return new BetterSqlite3Connection(new Database(path));
}
