import { BackendUnavailableError, NotFoundError } from '../../domain/errors.js';
import type {
  Queue,
  QueueDepth,
  QueueMessage,
  QueueOptions,
  QueueSystem,
  ReceiveOptions,
  SendOptions,
} from '../../ports/queue.js';
import {
  checkMessageBody,
  checkQueueName,
  checkQueueOptions,
  checkVisibilityTimeout,
  resolveReceiveOptions,
  resolveSendDelay,
  type ResolvedReceiveOptions,
} from './limits.js';
import { MessageStore } from './message-store.js';
import type { SqliteDriverChoice } from './sqlite-driver.js';
import { openQueueDatabase } from './sqlite-schema.js';
import { QueueWakeups } from './queue-wakeups.js';

const WATCHED_POLL_MS = 50;
const UNWATCHED_POLL_MS = 5;

export interface EmbeddedQueueOptions {
  /**
   * How often a long poll looks for messages sent by other processes: default 50 ms as a fallback when the
   * database's folder can be watched (changes wake waiters at once), 5 ms when it cannot.
   */
  readonly pollIntervalMs?: number;
  /** The SQLite driver: `auto` (default) is node:sqlite where Node has it, better-sqlite3 elsewhere. */
  readonly driver?: SqliteDriverChoice;
}

/**
 * Queues with SQS semantics in one SQLite file that many processes open at once.
 *
 * - A receive runs in `BEGIN IMMEDIATE`, so two processes never deliver the same message.
 * - A long poll wakes at once for sends from this process; other processes' sends are found when the
 *   database's write-ahead log changes (inotify), and by one shared fallback timer that, every
 *   `pollIntervalMs` while anybody waits, runs one indexed read per queue, taking no lock.
 * - A message whose receive count has reached the dead-letter policy's `maxReceiveCount` is moved to the
 *   dead-letter queue (same id, body and sentAt, receive count back to 0) when it would be delivered again.
 * - Handles: only the current delivery's receipt handle works. `delete` with a stale handle (the message was
 *   delivered again, or is already gone) does nothing; `changeVisibility` with one throws NotFoundError, so a
 *   heartbeat learns that it lost the message. A malformed handle is an InvalidInputError.
 * - `create` creates the queue or updates only the settings passed; a dead-letter queue that does not exist yet
 *   is created with default settings. `open` only opens one that exists. Limits (body size, seconds, counts) are SQS's, whole numbers only.
 */
export class EmbeddedQueueSystem implements QueueSystem {
  private readonly store: MessageStore;
  private readonly wakeups: QueueWakeups;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;

  /** `dbPath` is usually `<dataDir>/queue.db`; its folder is created when missing. */
  constructor(dbPath: string, options: EmbeddedQueueOptions = {}) {
    this.store = new MessageStore(openQueueDatabase(dbPath, options.driver));
    let pollIntervalMs = options.pollIntervalMs ?? WATCHED_POLL_MS;
    this.wakeups = new QueueWakeups(() => pollIntervalMs, (queue) => this.live().hasVisible(queue));
    if (!this.wakeups.watchDatabase(dbPath)) pollIntervalMs = options.pollIntervalMs ?? UNWATCHED_POLL_MS;
  }

  /** The SQLite driver the database was opened with. */
  get driver(): string {
    return this.store.driver;
  }

  async create(name: string, options: QueueOptions = {}): Promise<Queue> {
    checkQueueOptions(name, options);
    this.live().openQueue(name, {
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      deadLetterQueue: options.deadLetter?.queueName,
      maxReceiveCount: options.deadLetter?.maxReceiveCount,
    });
    return new EmbeddedQueue(name, this);
  }

  async open(name: string): Promise<Queue> {
    checkQueueName(name);
    if (!this.live().queueExists(name)) throw new NotFoundError(`queue ${name} does not exist`);
    return new EmbeddedQueue(name, this);
  }

  async list(prefix: string): Promise<string[]> {
    return this.live().queueNames(prefix);
  }

  async remove(name: string): Promise<void> {
    checkQueueName(name);
    this.live().removeQueue(name);
  }

  close(): Promise<void> {
    this.closed ??= Promise.resolve().then(() => {
      this.closing.abort();
      this.wakeups.unwatch();
      this.store.close();
    });
    return this.closed;
  }

  /** The store, or an error once the system is closed. */
  live(): MessageStore {
    if (this.closed !== undefined) {
      throw new BackendUnavailableError('embedded queue system is closed', { retryable: false });
    }
    return this.store;
  }

  /** Tells long polls of this process that `queue` may have a visible message. */
  notify(queue: string): void {
    this.wakeups.notify(queue);
  }

  /** Receives what is visible now; without a wait time that is the answer, else polls until something comes. */
  async receive(queue: string, options: ResolvedReceiveOptions, signal: AbortSignal | undefined): Promise<QueueMessage[]> {
    if (signal?.aborted) return [];
    const deadline = Date.now() + options.waitTimeSeconds * 1000;
    for (;;) {
      const messages = this.receiveVisible(queue, options);
      if (messages.length > 0) return messages;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted || this.closed !== undefined) return [];
      await this.wakeups.wait(queue, remaining, [signal, this.closing.signal]);
      if (signal?.aborted || this.closed !== undefined) return [];
    }
  }

  private receiveVisible(queue: string, options: ResolvedReceiveOptions): QueueMessage[] {
    const store = this.live();
    if (!store.hasVisible(queue)) return [];
    const batch = store.receive(queue, options.maxMessages, options.visibilityTimeoutSeconds);
    if (batch.deadLetteredTo !== undefined) this.notify(batch.deadLetteredTo);
    return batch.messages;
  }
}

class EmbeddedQueue implements Queue {
  constructor(
    readonly name: string,
    private readonly system: EmbeddedQueueSystem,
  ) {}

  async send(body: string, options?: SendOptions): Promise<string> {
    checkMessageBody(body);
    const delaySeconds = resolveSendDelay(options);
    const id = this.system.live().insert(this.name, body, delaySeconds * 1000);
    if (delaySeconds === 0) this.system.notify(this.name);
    return id;
  }

  async receive(options?: ReceiveOptions): Promise<QueueMessage[]> {
    return this.system.receive(this.name, resolveReceiveOptions(options), options?.signal);
  }

  async changeVisibility(receiptHandle: string, timeoutSeconds: number): Promise<void> {
    checkVisibilityTimeout(timeoutSeconds);
    if (!this.system.live().setVisibility(this.name, receiptHandle, timeoutSeconds * 1000)) {
      throw new NotFoundError(`message of this receipt handle is no longer held (deleted or delivered again) in ${this.name}`);
    }
    if (timeoutSeconds === 0) this.system.notify(this.name);
  }

  async delete(receiptHandle: string): Promise<void> {
    this.system.live().deleteDelivered(this.name, receiptHandle);
  }

  async depth(): Promise<QueueDepth> {
    return this.system.live().depth(this.name);
  }
}
