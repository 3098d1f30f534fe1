/**
 * The connection every SQLite driver of the embedded queue gives (node-sqlite-driver.ts, better-sqlite3-driver.ts);
 * sqlite-driver.ts chooses one. Synchronous, as the queue's transactions must be.
 */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export type SqliteParams = readonly unknown[];

export interface SqliteStatement<Row = unknown> {
  run(...params: SqliteParams): { changes: number };
  get(...params: SqliteParams): Row | undefined;
  all(...params: SqliteParams): Row[];
}

export interface SqliteConnection {
  readonly driver: SqliteDriverName;
  exec(sql: string): void;
  prepare<Row = unknown>(sql: string): SqliteStatement<Row>;
  /** Runs `body` in `BEGIN IMMEDIATE … COMMIT` (rolled back when it throws) and returns what it returned. */
  immediate<T>(body: () => T): T;
  close(): void;
}
