import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { asScalefaceError, BackendUnavailableError, ScalefaceError } from '../../domain/errors.js';
import { nativeModuleMismatch } from '../../domain/native-modules.js';
import { openSqlite, sqliteErrorCode, type SqliteConnection, type SqliteDriverChoice } from './sqlite-driver.js';

/**
 * The embedded queue's database: one SQLite file in WAL mode shared by every process of a
 * deployment (web tier, controller, workers).
 *
 * - `synchronous = NORMAL`: in WAL mode a commit is durable against a killed process (the WAL is
 *   written before the commit returns); only a power loss or OS crash can roll back the last
 *   commits. FULL would add an fsync to every send/receive/delete, milliseconds instead of microseconds.
 * - `busy_timeout = 5000`: a process waits up to 5 s for another's write lock before failing.
 * - Every message is one row; `visible_at` (epoch ms) says when it may be received; `receive_count > 0`
 *   tells an in-flight message (visible_at in the future) from a delayed one; `receipt` is the token of
 *   the current delivery, so a handle from an earlier delivery no longer matches.
 */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queues (
  name TEXT PRIMARY KEY,
  visibility_timeout_s INTEGER NOT NULL,
  dead_letter_queue TEXT,
  max_receive_count INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  receipt TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_queue_visible_at ON messages (queue, visible_at, receive_count);
`;

export type SqliteDatabase = SqliteConnection;

function isBusy(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** The error with its SQLite code as `code`, which asScalefaceError reads, whichever driver threw it. */
function withSqliteCode(error: unknown): unknown {
  const code = sqliteErrorCode(error);
  if (code === '' || code === (error as { code?: unknown }).code) return error;
  return Object.assign(new Error(error instanceof Error ? error.message : String(error), { cause: error }), { code });
}

/**
 * Runs a database call, turning a lock held too long by another process, and the resource faults that
 * asScalefaceError knows (a full disk, an I/O error), into retryable errors; anything else is INTERNAL.
 */
export function guardSqlite<T>(what: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof ScalefaceError) throw error;
    if (isBusy(error)) throw new BackendUnavailableError(`queue database is busy (${what})`, { cause: error });
    const fault = asScalefaceError(withSqliteCode(error));
    if (fault.retryable) throw new BackendUnavailableError(`${fault.message} (${what})`, { cause: error });
    throw new ScalefaceError('INTERNAL', `queue database failed (${what})`, { cause: error });
  }
}

/**
 * Opens (creating when missing) the queue database at `path` with the chosen driver (`auto`: node:sqlite where
 * Node has it) and brings its schema up to date. A driver built for another Node is a NativeModuleMismatchError.
 */
export function openQueueDatabase(path: string, driver: SqliteDriverChoice = 'auto'): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = openSqlite(path, driver);
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    const database = db;
    database.immediate(() => {
      database.exec(SCHEMA);
      database.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    });
    return database;
  } catch (error) {
    db?.close();
    const mismatch = nativeModuleMismatch(error);
    if (mismatch !== undefined) throw mismatch;
    throw new BackendUnavailableError(openFailureMessage(path, error), { cause: error, retryable: isBusy(error) });
  }
}

/** What an operator should know and do when the queue database cannot be opened. */
function openFailureMessage(path: string, error: unknown): string {
  const code = sqliteErrorCode(error);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return `the queue database ${path} is damaged or not a SQLite file (${code}). Stop every scaleface process, ` +
      `move the file away (or try \`sqlite3 ${path} .recover\` to save its queued requests), and start again: ` +
      'an empty database is created';
  }
  if (isBusy(error)) return `the queue database ${path} is locked by another process (${code}); try again, or stop that process`;
  return `cannot open the queue database ${path}${code === '' ? '' : ` (${code})`}`;
}
