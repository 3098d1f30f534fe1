import { BackendUnavailableError, DeadLetteredError, StoppedWaitingError, TimeoutError, asScalefaceError } from '../domain/errors.js';
import { parseRecognitionReply, type RecognitionReply } from '../domain/messages.js';
import { QueueConsumer } from '../messaging/queue-consumer.js';
import type { QueueSystem } from '../ports/queue.js';

interface Pending {
  resolve(reply: RecognitionReply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The one reply consumer of a web-tier process. It owns this process's reply queue (creates it, removes it on
 * stop), consumes it with the one consumer loop, and hands every reply to the request that waits for it, by
 * request id. Replies for requests nobody waits for (answered already, timed out) are deleted and counted.
 */
export class ReplyCorrelator {
  private readonly pending = new Map<string, Pending>();
  private consumer: QueueConsumer | undefined;
  private stopped = false;
  unmatchedReplies = 0;

  constructor(
    private readonly queues: QueueSystem,
    readonly queueName: string,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    const queue = await this.queues.create(this.queueName, { visibilityTimeoutSeconds: 30 });
    this.consumer = new QueueConsumer({
      queue,
      concurrency: 10,
      handler: async (message) => {
        this.dispatch(message.body);
        return 'done';
      },
      onError: (error) => this.onError(error),
    });
    this.consumer.start();
  }

  /**
   * Resolves with the reply for `requestId`; rejects with TimeoutError after `timeoutMs`. Call before sending:
   * once stopping, it refuses at once (retryable), so that nothing is sent that this process cannot wait for.
   */
  waitFor(requestId: string, timeoutMs: number): Promise<RecognitionReply> {
    if (this.stopped) return Promise.reject(new BackendUnavailableError('the web tier is shutting down', { retryable: true }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new TimeoutError(`no answer from the app tier within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
    });
  }

  /** Forgets a waiter (e.g. sending the request failed). */
  cancel(requestId: string): void {
    const entry = this.pending.get(requestId);
    if (entry) clearTimeout(entry.timer);
    this.pending.delete(requestId);
  }

  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Refuses new waits, stops consuming, and deletes this process's reply queue. The waiters still pending are
   * told StoppedWaitingError: their requests stay on the request queue and are answered into the output bucket.
   */
  async stop(options: { removeQueue: boolean } = { removeQueue: true }): Promise<void> {
    this.stopped = true;
    await this.consumer?.stop();
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new StoppedWaitingError('the web tier stopped waiting: it is shutting down'));
      this.pending.delete(id);
    }
    if (options.removeQueue) await this.queues.remove(this.queueName);
  }

  private dispatch(body: string): void {
    let reply: RecognitionReply;
    try {
      reply = parseRecognitionReply(body);
    } catch (error) {
      this.onError(asScalefaceError(error));
      return;
    }
    const entry = this.pending.get(reply.requestId);
    if (!entry) {
      this.unmatchedReplies += 1;
      return;
    }
    this.pending.delete(reply.requestId);
    clearTimeout(entry.timer);
    if (reply.status === 'dead-lettered') {
      entry.reject(new DeadLetteredError(`the request failed ${reply.error?.message ?? 'repeatedly'} and was moved to the dead-letter queue`));
    } else {
      entry.resolve(reply);
    }
  }
}
