import { NotFoundError } from '../domain/errors.js';
import { parseRecognitionRequest, type RecognitionReply } from '../domain/messages.js';
import type { Queue, QueueSystem } from '../ports/queue.js';

/** SQS's longest visibility timeout: a notified message stays in the dead-letter queue, hidden, for operators. */
const HIDE_NOTIFIED_SECONDS = 43_200;

/**
 * Tells the waiting web tier that its request was moved to the dead-letter queue (so it answers 502 at once
 * instead of timing out). Messages stay in the dead-letter queue for inspection or redrive.
 */
export class DeadLetterNotifier {
  private readonly abort = new AbortController();
  private readonly notified = new Set<string>();
  private dropped = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly queues: QueueSystem,
    private readonly deadLetterQueue: Queue,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Notices not sent because their reply queue was gone (its web process ended). */
  get droppedNotices(): number {
    return this.dropped;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const messages = await this.deadLetterQueue.receive({
          maxMessages: 10,
          waitTimeSeconds: 20,
          visibilityTimeoutSeconds: HIDE_NOTIFIED_SECONDS,
          signal: this.abort.signal,
        });
        for (const message of messages) {
          if (this.notified.has(message.id)) continue;
          await this.notify(message.body);
          this.notified.add(message.id);
        }
      } catch (error) {
        if (this.abort.signal.aborted) break;
        this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async notify(body: string): Promise<void> {
    let request;
    try {
      request = parseRecognitionRequest(body);
    } catch {
      return; // not one of ours: nobody to tell
    }
    const reply: RecognitionReply = {
      v: 1,
      requestId: request.requestId,
      key: request.key,
      status: 'dead-lettered',
      error: { code: 'DEAD_LETTERED', message: 'was received too many times without success' },
    };
    // The web process that waits owns its reply queue: never create it (a gone one stays gone).
    const replyQueue = await this.queues.openExisting(request.replyTo);
    try {
      if (replyQueue === undefined) throw new NotFoundError(`reply queue ${request.replyTo} does not exist`);
      await replyQueue.send(JSON.stringify(reply));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      this.dropped += 1;
    }
  }
}
