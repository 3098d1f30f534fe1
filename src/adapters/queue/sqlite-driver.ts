import { openBetterSqlite3, betterSqlite3Available } from './better-sqlite3-driver.js';
import { nodeSqliteModule, openNodeSqlite } from './node-sqlite-driver.js';
import type { SqliteConnection, SqliteDriverName, SqliteParams, SqliteStatement } from './sqlite-connection.js';

/**
 * The little of SQLite the embedded queue needs, over two drivers chosen at run time:
 * - `node:sqlite`, built into Node from 22.13 (no flag) on: nothing native to build, so nothing built for
 *   another Node's ABI can break the queue;
 * - `better-sqlite3` (an optional dependency, compiled at install) where Node has no `node:sqlite` (Node 20).
 * Both are synchronous, as the queue's transactions must be (one short transaction per call, no await inside).
 */
export type { SqliteConnection, SqliteDriverName, SqliteParams, SqliteStatement };

export type SqliteDriverChoice = SqliteDriverName | 'auto';

/** The driver `auto` picks on this Node: node:sqlite when Node has it, else better-sqlite3. */
export function preferredSqliteDriver(): SqliteDriverName {
  return nodeSqliteModule() === undefined ? 'better-sqlite3' : 'node:sqlite';
}

/**
 * better-sqlite3 12 wraps node::ObjectWrap, which Node 24 changed: there a process that opened a database aborts
 * at exit (Assertion failed in RemoveEnvironmentCleanupHook), so it is never loaded on Node 24 and later.
 */
const BETTER_SQLITE3_BEFORE_NODE = 24;

/** The drivers that can open a database on this Node (better-sqlite3 only when its native build loads). */
export function availableSqliteDrivers(): SqliteDriverName[] {
  const drivers: SqliteDriverName[] = [];
  if (nodeSqliteModule() !== undefined) drivers.push('node:sqlite');
  const major = Number(process.versions.node.split('.')[0]);
  if (major < BETTER_SQLITE3_BEFORE_NODE && betterSqlite3Available()) drivers.push('better-sqlite3');
  return drivers;
}

/** Opens `path` (created when missing) with the chosen driver. */
export function openSqlite(path: string, choice: SqliteDriverChoice = 'auto'): SqliteConnection {
  const driver = choice === 'auto' ? preferredSqliteDriver() : choice;
  return driver === 'node:sqlite' ? openNodeSqlite(path) : openBetterSqlite3(path);
}

/** SQLite's primary result codes by number, as node:sqlite reports them (`errcode`); better-sqlite3 gives the name. */
const PRIMARY_CODES: Readonly<Record<number, string>> = {
  1: 'SQLITE_ERROR', 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 7: 'SQLITE_NOMEM', 8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR', 11: 'SQLITE_CORRUPT', 13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 26: 'SQLITE_NOTADB',
};

/**
 * The SQLite result code name of a driver's error ('SQLITE_BUSY', 'SQLITE_IOERR', ...), whichever driver threw
 * it; the error's own `code` otherwise, '' when it has none.
 */
export function sqliteErrorCode(error: unknown): string {
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  if (code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number') {
    return PRIMARY_CODES[errcode & 0xff] ?? `SQLITE_ERROR_${errcode}`;
  }
  return typeof code === 'string' ? code : '';
}
