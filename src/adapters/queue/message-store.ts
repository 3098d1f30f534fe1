import { randomUUID } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../../domain/errors.js';
import type { QueueDepth, QueueMessage } from '../../ports/queue.js';
import { QUEUE_LIMITS } from './limits.js';
import { guardSqlite, type SqliteDatabase } from './sqlite-schema.js';

interface QueueRow {
  visibility_timeout_s: number;
  dead_letter_queue: string | null;
  max_receive_count: number | null;
}

interface MessageRow {
  seq: number;
  id: string;
  body: string;
  sent_at: number;
  receive_count: number;
}

export interface QueueSettings {
  readonly visibilityTimeoutSeconds?: number;
  readonly deadLetterQueue?: string;
  readonly maxReceiveCount?: number;
}

export interface ReceivedBatch {
  readonly messages: QueueMessage[];
  /** The dead-letter queue that took messages during this receive, if any. */
  readonly deadLetteredTo?: string;
}

/** A receipt handle is `<message row>.<delivery token>`; the token changes on every delivery. */
function parseReceiptHandle(handle: string): { seq: number; token: string } {
  const dot = typeof handle === 'string' ? handle.indexOf('.') : -1;
  const seq = Number(handle.slice(0, Math.max(dot, 0)));
  const token = handle.slice(dot + 1);
  if (dot <= 0 || !Number.isSafeInteger(seq) || token.length === 0) {
    throw new InvalidInputError('receipt handle is malformed');
  }
  return { seq, token };
}

/** The SQL of the embedded queue, as prepared statements; every method is one short transaction. */
export class MessageStore {
  private readonly sql;

  constructor(private readonly db: SqliteDatabase) {
    this.sql = {
      queue: db.prepare<QueueRow>(
        'SELECT visibility_timeout_s, dead_letter_queue, max_receive_count FROM queues WHERE name = ?',
      ),
      upsertQueue: db.prepare(
        `INSERT INTO queues (name, visibility_timeout_s, dead_letter_queue, max_receive_count)
         VALUES (@name, coalesce(@visibility, ${QUEUE_LIMITS.defaultVisibilityTimeoutSeconds}), @dlq, @maxReceive)
         ON CONFLICT (name) DO UPDATE SET
           visibility_timeout_s = coalesce(@visibility, visibility_timeout_s),
           dead_letter_queue = coalesce(@dlq, dead_letter_queue),
           max_receive_count = coalesce(@maxReceive, max_receive_count)`,
      ),
      deleteQueue: db.prepare('DELETE FROM queues WHERE name = ?'),
      queueNames: db.prepare<{ name: string }>('SELECT name FROM queues WHERE substr(name, 1, length(@prefix)) = @prefix ORDER BY name'),
      deleteQueueMessages: db.prepare('DELETE FROM messages WHERE queue = ?'),
      insert: db.prepare(
        `INSERT INTO messages (queue, id, body, sent_at, visible_at)
         SELECT name, @id, @body, @now, @visibleAt FROM queues WHERE name = @queue`,
      ),
      anyVisible: db.prepare<{ found: number }>('SELECT 1 AS found FROM messages WHERE queue = ? AND visible_at <= ? LIMIT 1'),
      visible: db.prepare<MessageRow>(
        `SELECT seq, id, body, sent_at, receive_count FROM messages
         WHERE queue = ? AND visible_at <= ? ORDER BY visible_at LIMIT ?`,
      ),
      deliver: db.prepare('UPDATE messages SET receive_count = receive_count + 1, receipt = ?, visible_at = ? WHERE seq = ?'),
      moveToQueue: db.prepare('UPDATE messages SET queue = ?, receive_count = 0, receipt = NULL, visible_at = ? WHERE seq = ?'),
      setVisibleAt: db.prepare('UPDATE messages SET visible_at = ? WHERE seq = ? AND queue = ? AND receipt = ?'),
      deleteDelivered: db.prepare('DELETE FROM messages WHERE seq = ? AND queue = ? AND receipt = ?'),
      depth: db.prepare<{ visible: number | null; inFlight: number | null; delayed: number | null }>(
        `SELECT sum(visible_at <= ?) AS visible,
                sum(visible_at > ? AND receive_count > 0) AS inFlight,
                sum(visible_at > ? AND receive_count = 0) AS delayed
         FROM messages WHERE queue = ?`,
      ),
    };
  }

  /** The SQLite driver this store runs on. */
  get driver(): string {
    return this.db.driver;
  }

  /** Creates the queue or updates the settings given; a named dead-letter queue is created when missing. */
  openQueue(name: string, settings: QueueSettings): void {
    guardSqlite('open', () => this.db.immediate(() => this.upsertRows(name, settings)));
  }

  queueExists(name: string): boolean {
    return guardSqlite('open', () => this.sql.queue.get(name) !== undefined);
  }

  queueNames(prefix: string): string[] {
    return guardSqlite('list', () => this.sql.queueNames.all({ prefix }).map((row) => row.name));
  }

  removeQueue(name: string): void {
    guardSqlite('remove', () =>
      this.db.immediate(() => {
        this.sql.deleteQueueMessages.run(name);
        this.sql.deleteQueue.run(name);
      }),
    );
  }

  /** Stores a message that becomes visible `delayMs` from now; returns its id. */
  insert(queue: string, body: string, delayMs: number): string {
    const id = randomUUID();
    const now = Date.now();
    const result = guardSqlite('send', () => this.sql.insert.run({ queue, id, body, now, visibleAt: now + delayMs }));
    if (result.changes === 0) throw new NotFoundError(`queue ${queue} does not exist`);
    return id;
  }

  /** One indexed read without taking the write lock: is anything ready in `queue`? */
  hasVisible(queue: string): boolean {
    return guardSqlite('poll', () => this.sql.anyVisible.get(queue, Date.now()) !== undefined);
  }

  /** Delivers up to `max` visible messages, moving those past their receive limit to the dead-letter queue. */
  receive(queue: string, max: number, visibilityTimeoutSeconds: number | undefined): ReceivedBatch {
    return guardSqlite('receive', () => this.db.immediate(() => this.receiveRows(queue, max, visibilityTimeoutSeconds)));
  }

  /** Sets when a delivered message becomes visible again; false when the handle is not the current delivery's. */
  setVisibility(queue: string, receiptHandle: string, timeoutMs: number): boolean {
    const { seq, token } = parseReceiptHandle(receiptHandle);
    const visibleAt = Date.now() + timeoutMs;
    return guardSqlite('changeVisibility', () => this.sql.setVisibleAt.run(visibleAt, seq, queue, token).changes > 0);
  }

  /** Deletes a delivered message; false (and nothing deleted) when the handle is stale. */
  deleteDelivered(queue: string, receiptHandle: string): boolean {
    const { seq, token } = parseReceiptHandle(receiptHandle);
    return guardSqlite('delete', () => this.sql.deleteDelivered.run(seq, queue, token).changes > 0);
  }

  depth(queue: string): QueueDepth {
    return guardSqlite('depth', () => {
      if (this.sql.queue.get(queue) === undefined) throw new NotFoundError(`queue ${queue} does not exist`);
      const now = Date.now();
      const row = this.sql.depth.get(now, now, now, queue);
      return { visible: row?.visible ?? 0, inFlight: row?.inFlight ?? 0, delayed: row?.delayed ?? 0 };
    });
  }

  close(): void {
    this.db.close();
  }

  private upsertRows(name: string, settings: QueueSettings): void {
    const dlq = settings.deadLetterQueue ?? null;
    if (dlq !== null) this.sql.upsertQueue.run({ name: dlq, visibility: null, dlq: null, maxReceive: null });
    this.sql.upsertQueue.run({
      name,
      visibility: settings.visibilityTimeoutSeconds ?? null,
      dlq,
      maxReceive: settings.maxReceiveCount ?? null,
    });
  }

  /** Runs inside BEGIN IMMEDIATE, so no other process can deliver the same rows. */
  private receiveRows(queue: string, max: number, visibilityOverride: number | undefined): ReceivedBatch {
    const settings = this.sql.queue.get(queue);
    if (settings === undefined) throw new NotFoundError(`queue ${queue} does not exist`);
    const now = Date.now();
    const visibleAt = now + 1000 * (visibilityOverride ?? settings.visibility_timeout_s);
    const deadLetterQueue = this.liveDeadLetterQueue(settings);
    const messages: QueueMessage[] = [];
    let deadLettered = false;
    for (;;) {
      let movedThisPass = false;
      for (const row of this.sql.visible.all(queue, now, max - messages.length)) {
        if (deadLetterQueue !== undefined && row.receive_count >= (settings.max_receive_count ?? Infinity)) {
          this.sql.moveToQueue.run(deadLetterQueue, now, row.seq);
          movedThisPass = true;
          continue;
        }
        const token = randomUUID();
        this.sql.deliver.run(token, visibleAt, row.seq);
        messages.push({
          id: row.id,
          receiptHandle: `${row.seq}.${token}`,
          body: row.body,
          receiveCount: row.receive_count + 1,
          sentAt: row.sent_at,
        });
      }
      deadLettered ||= movedThisPass;
      // Delivered rows may stay visible (timeout 0), so only a pass that moved rows away is repeated.
      if (!movedThisPass || messages.length >= max) break;
    }
    return deadLettered ? { messages, deadLetteredTo: deadLetterQueue } : { messages };
  }

  /** The queue's dead-letter queue when it has a policy and that queue still exists. */
  private liveDeadLetterQueue(settings: QueueRow): string | undefined {
    const name = settings.dead_letter_queue;
    if (name === null || settings.max_receive_count === null) return undefined;
    return this.sql.queue.get(name) === undefined ? undefined : name;
  }
}
