import { parseRecognitionRequest, type RecognitionReply } from '../domain/messages.js';
import { QueueConsumer, type HandlerOutcome } from '../messaging/queue-consumer.js';
import { ReplySender } from '../messaging/reply-sender.js';
import type { Queue, QueueMessage, QueueSystem } from '../ports/queue.js';

/** SQS's longest visibility timeout: a notified message stays in the dead-letter queue, hidden, for operators. */
const HIDE_NOTIFIED_SECONDS = 43_200;

/**
 * The ids of the messages already notified, so that one seen again (12 h later, or after a failed visibility
 * change) is not notified twice; at most `bound` of them, the oldest forgotten first. 10 000 ids of about 40
 * bytes stay under 1 MB; a forgotten one is at worst notified once more, to a web process that no longer waits
 * for it (its reply correlator counts the reply as unmatched) or whose reply queue is gone (dropped).
 */
export class NotifiedIds {
  private readonly ids = new Set<string>();

  constructor(readonly bound = 10_000) {}

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    // A Set iterates in insertion order: its first id is the oldest.
    if (this.ids.size > this.bound) this.ids.delete(this.ids.values().next().value as string);
  }
}

/**
 * Tells the waiting web tier that its request was moved to the dead-letter queue (so it answers 502 at once
 * instead of timing out). A handler on the one consumer loop that never deletes: messages stay in the
 * dead-letter queue, hidden for 12 hours after each notice, for inspection or redrive.
 */
export class DeadLetterNotifier {
  private readonly notified = new NotifiedIds();
  private readonly replies: ReplySender;
  private readonly consumer: QueueConsumer;

  constructor(queues: QueueSystem, deadLetterQueue: Queue, onError: (error: Error) => void = () => undefined) {
    this.replies = new ReplySender(queues);
    this.consumer = new QueueConsumer({
      queue: deadLetterQueue,
      concurrency: 10,
      visibilityTimeoutSeconds: HIDE_NOTIFIED_SECONDS,
      handler: (message) => this.handle(message),
      onError: (error) => onError(error),
    });
  }

  /** Notices not sent because their reply queue was gone (its web process ended). */
  get droppedNotices(): number {
    return this.replies.dropped;
  }

  start(): void {
    this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private async handle(message: QueueMessage): Promise<HandlerOutcome> {
    const keepHidden = { retryAfterSeconds: HIDE_NOTIFIED_SECONDS };
    if (this.notified.has(message.id)) return keepHidden;
    const reply = deadLetteredReply(message.body);
    if (reply !== undefined) await this.replies.send(reply.replyTo, reply.body);
    this.notified.add(message.id);
    return keepHidden;
  }
}

/** The reply that tells a request's web process it was dead-lettered; undefined for a body that is not ours. */
function deadLetteredReply(body: string): { replyTo: string; body: RecognitionReply } | undefined {
  let request;
  try {
    request = parseRecognitionRequest(body);
  } catch {
    return undefined; // nobody to tell
  }
  return {
    replyTo: request.replyTo,
    body: {
      v: 1,
      requestId: request.requestId,
      key: request.key,
      status: 'dead-lettered',
      error: { code: 'DEAD_LETTERED', message: 'was received too many times without success' },
    },
  };
}
