import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Wakes the long polls of one process. Sends from this process wake a queue's waiters at once
 * (`notify`). Sends from other processes are found by one cheap indexed read per waited-on queue, run
 * when the database's write-ahead log changes (inotify through `watchDatabase`) and, as a fallback for
 * missed events, by ONE timer per system every `pollIntervalMs` while anybody waits. So ten concurrent
 * receives on one queue cost one read per change or tick, not ten timers.
 */
export class QueueWakeups {
  private readonly emitter = new EventEmitter();
  /** Queue name → how many long polls wait on it now. */
  private readonly waiting = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  /** A look is already scheduled for this turn of the event loop. */
  private lookScheduled = false;

  constructor(
    private readonly pollIntervalMs: () => number,
    private readonly hasVisible: (queue: string) => boolean,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /**
   * Looks for new messages whenever `<dbPath>-wal` changes: other processes' commits append to it, so their
   * sends wake this process's long polls within a millisecond instead of a poll interval. Returns false when
   * the folder cannot be watched (the timer alone then finds the messages).
   */
  watchDatabase(dbPath: string): boolean {
    const walName = `${basename(dbPath)}-wal`;
    try {
      this.watcher = watch(dirname(dbPath), { persistent: false }, (_event, file) => {
        if (file === walName && this.waiting.size > 0) this.pollSoon();
      });
      this.watcher.on('error', () => this.unwatch());
      return true;
    } catch {
      return false;
    }
  }

  unwatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Tells this process's waiters on `queue` that it may have a visible message. */
  notify(queue: string): void {
    this.emitter.emit(queue);
  }

  /** Resolves when `queue` may have a visible message, after `ms`, or when a signal aborts. */
  wait(queue: string, ms: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
    return new Promise((resolve) => {
      const live = signals.filter((s): s is AbortSignal => s !== undefined);
      const done = (): void => {
        clearTimeout(timeout);
        this.emitter.off(queue, done);
        for (const signal of live) signal.removeEventListener('abort', done);
        this.leave(queue);
        resolve();
      };
      const timeout = setTimeout(done, ms);
      this.emitter.on(queue, done);
      for (const signal of live) signal.addEventListener('abort', done, { once: true });
      this.join(queue);
      if (live.some((s) => s.aborted)) done();
    });
  }

  private join(queue: string): void {
    this.waiting.set(queue, (this.waiting.get(queue) ?? 0) + 1);
    this.timer ??= setInterval(() => this.poll(), this.pollIntervalMs()).unref();
  }

  private leave(queue: string): void {
    const left = (this.waiting.get(queue) ?? 1) - 1;
    if (left > 0) this.waiting.set(queue, left);
    else this.waiting.delete(queue);
    if (this.waiting.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * One look for all the log's change events of this turn: a commit writes the log several times (measured: ~3
   * inotify events per commit), and each look is one read per waited-on queue in every process that waits.
   */
  pollSoon(): void {
    if (this.lookScheduled) return;
    this.lookScheduled = true;
    setImmediate(() => {
      this.lookScheduled = false;
      this.poll();
    });
  }

  private poll(): void {
    for (const queue of [...this.waiting.keys()]) {
      let visible: boolean;
      try {
        visible = this.hasVisible(queue);
      } catch {
        visible = true; // let the waiters run their receive and meet the error themselves
      }
      if (visible) this.notify(queue);
    }
  }
}
