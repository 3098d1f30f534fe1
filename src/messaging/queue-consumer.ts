import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelayMs, type BackoffPolicy } from '../domain/backoff.js';
import { asScalefaceError } from '../domain/errors.js';
import type { Queue, QueueMessage } from '../ports/queue.js';

/** Waits after failed receives: up to 1 s after the first, doubling to at most 20 s (the longest poll). */
const RECEIVE_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 20_000 };

/** What the handler tells the consumer about one message. */
export type HandlerOutcome =
  /** Finished (result stored and replied, or a final failure replied): delete the message. */
  | 'done'
  /** Not finished; leave it for redelivery after the given delay (seconds). */
  | { retryAfterSeconds: number };

/**
 * Handles one message. `signal` aborts when the consumer gives the handler up (past `handlerTimeoutMs`, or still
 * running when stop() reaches its bound), with an Error saying which as its reason: from then on the consumer
 * ignores the outcome, so the handler should stop before its next step and write or answer nothing more.
 */
export type MessageHandler = (message: QueueMessage, signal: AbortSignal) => Promise<HandlerOutcome>;

export interface ConsumerOptions {
  readonly queue: Queue;
  readonly handler: MessageHandler;
  /** Messages held at once (default 1). */
  readonly concurrency?: number;
  /** Long-poll wait (default 20 s). */
  readonly waitTimeSeconds?: number;
  /** Visibility timeout requested on receive (default 30 s). */
  readonly visibilityTimeoutSeconds?: number;
  /** Extend visibility of a message still being handled this often (default: a third of the timeout). */
  readonly heartbeatSeconds?: number;
  /** How long stop() waits for messages in hand (default 30 s). */
  readonly stopTimeoutMs?: number;
  /**
   * A handler still running after this long is given up (default 5 min): its signal aborts, its message is made
   * visible again at once for another worker, its slot is freed, and what it does later is ignored.
   */
  readonly handlerTimeoutMs?: number;
  /** Wait after failed receives, growing with each failure in a row (default: up to 1 s, doubling to 20 s). */
  readonly receiveBackoff?: BackoffPolicy;
  readonly onBusyChange?: (busy: number) => void;
  readonly onError?: (error: Error, context: string) => void;
}

/**
 * A worker loop shaped like bbc/sqs-consumer: long-poll, hand each message to the handler, extend its
 * visibility while the handler works, delete only when the handler says it is done, stop gracefully.
 */
export class QueueConsumer {
  private readonly options: Required<Omit<ConsumerOptions, 'onBusyChange' | 'onError' | 'receiveBackoff'>> &
    Pick<ConsumerOptions, 'onBusyChange' | 'onError' | 'receiveBackoff'>;
  private readonly inHand = new Set<Promise<void>>();
  /** Aborts the handler of each message in hand and stops its heartbeat and timeout (run by a bounded stop). */
  private readonly releases = new Set<(reason: Error) => void>();
  private pollAbort = new AbortController();
  private running = false;
  private loop: Promise<void> | undefined;
  private slotFreed: (() => void) | undefined;
  /** Receives that failed in a row: the wait before the next one grows with them (a backend that is down). */
  private failedReceives = 0;

  constructor(options: ConsumerOptions) {
    const visibility = options.visibilityTimeoutSeconds ?? 30;
    this.options = {
      concurrency: 1,
      waitTimeSeconds: 20,
      stopTimeoutMs: 30_000,
      handlerTimeoutMs: 5 * 60_000,
      ...options,
      visibilityTimeoutSeconds: visibility,
      heartbeatSeconds: options.heartbeatSeconds ?? Math.max(1, Math.floor(visibility / 3)),
    };
  }

  get busy(): number {
    return this.inHand.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollAbort = new AbortController();
    this.loop = this.pollLoop();
  }

  /** Stops polling, waits (bounded) for the messages in hand, and resolves when done. */
  async stop(): Promise<void> {
    this.running = false;
    this.pollAbort.abort();
    this.slotFreed?.();
    await this.loop;
    const drained = Promise.allSettled([...this.inHand]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.stopTimeoutMs); // not unref'd: the caller waits for it
    });
    const finished = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (!finished) {
      const reason = new Error(`stopped with ${this.inHand.size} message(s) still in hand`);
      this.report(reason, 'stop');
      // Their handlers are aborted and no longer extended: their messages come back to the queue after the timeout.
      for (const release of this.releases) release(reason);
    }
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      await this.waitForFreeSlot();
      if (!this.running) break;
      const messages = await this.receiveBatch();
      for (const message of messages) this.track(this.handle(message));
    }
  }

  private async receiveBatch(): Promise<QueueMessage[]> {
    try {
      const messages = await this.options.queue.receive({
        maxMessages: this.options.concurrency - this.inHand.size,
        waitTimeSeconds: this.options.waitTimeSeconds,
        visibilityTimeoutSeconds: this.options.visibilityTimeoutSeconds,
        signal: this.pollAbort.signal,
      });
      this.failedReceives = 0;
      return messages;
    } catch (error) {
      if (this.running) {
        this.report(error, 'receive');
        await sleep(backoffDelayMs(this.failedReceives++, this.options.receiveBackoff ?? RECEIVE_BACKOFF), this.pollAbort.signal);
      }
      return [];
    }
  }

  private waitForFreeSlot(): Promise<void> {
    if (this.inHand.size < this.options.concurrency) return Promise.resolve();
    return new Promise((resolve) => {
      this.slotFreed = resolve;
    });
  }

  private track(work: Promise<void>): void {
    this.inHand.add(work);
    this.options.onBusyChange?.(this.inHand.size);
    void work.finally(() => {
      this.inHand.delete(work);
      this.options.onBusyChange?.(this.inHand.size);
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
    });
  }

  private async handle(message: QueueMessage): Promise<void> {
    const heartbeat = this.startHeartbeat(message);
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), this.options.handlerTimeoutMs);
    });
    const release = (reason?: Error) => {
      clearInterval(heartbeat);
      clearTimeout(timer);
      if (reason !== undefined) abort.abort(reason);
    };
    this.releases.add(release);
    try {
      const outcome = await Promise.race([this.options.handler(message, abort.signal), hung]);
      if (outcome === 'hung') return await this.giveUp(message, abort);
      // Given up by a bounded stop meanwhile: the message is left to its visibility timeout, whatever the handler said.
      if (abort.signal.aborted) return;
      if (outcome === 'done') await this.options.queue.delete(message.receiptHandle);
      else await this.options.queue.changeVisibility(message.receiptHandle, outcome.retryAfterSeconds);
    } catch (error) {
      // Unexpected failure: leave the message; it becomes visible again after its timeout.
      if (!abort.signal.aborted) this.report(error, `handle ${message.id}`);
    } finally {
      release();
      this.releases.delete(release);
    }
  }

  /**
   * A handler that hangs: abort it (so it writes and answers nothing more) and release its message for another
   * worker now rather than when the process dies.
   */
  private async giveUp(message: QueueMessage, abort: AbortController): Promise<void> {
    const reason = new Error(`the handler of ${message.id} ran past ${this.options.handlerTimeoutMs} ms; message released`);
    abort.abort(reason);
    this.report(reason, 'handler timeout');
    await this.options.queue.changeVisibility(message.receiptHandle, 0).catch((error: unknown) => this.report(error, `release ${message.id}`));
  }

  private startHeartbeat(message: QueueMessage): NodeJS.Timeout {
    const { heartbeatSeconds, visibilityTimeoutSeconds, queue } = this.options;
    return setInterval(() => {
      queue.changeVisibility(message.receiptHandle, visibilityTimeoutSeconds).catch((error: unknown) => {
        this.report(error, `extend visibility of ${message.id}`);
      });
    }, heartbeatSeconds * 1000);
  }

  private report(error: unknown, context: string): void {
    this.options.onError?.(asScalefaceError(error), context);
  }
}

/** Waits `ms`, or less when `signal` aborts (stop() must not wait out a backoff). */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
