import { EventEmitter } from 'node:events';

/**
 * Wakes the long polls of one process. Sends from this process wake a queue's waiters at once
 * (`notify`); sends from other processes are found by ONE timer per system that, every `pollIntervalMs`
 * while anybody waits, runs one cheap indexed read per waited-on queue. So ten concurrent receives on
 * one queue cost one read per tick, not ten timers.
 */
export class QueueWakeups {
  private readonly emitter = new EventEmitter();
  /** Queue name → how many long polls wait on it now. */
  private readonly waiting = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pollIntervalMs: number,
    private readonly hasVisible: (queue: string) => boolean,
  ) {
    this.emitter.setMaxListeners(0);
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
    this.timer ??= setInterval(() => this.poll(), this.pollIntervalMs).unref();
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
