import { NotFoundError } from '../domain/errors.js';
import type { RecognitionReply } from '../domain/messages.js';
import type { Queue, QueueSystem } from '../ports/queue.js';

/**
 * Sends replies into the reply queues of web processes. A reply queue belongs to its web process: it is opened
 * (once, then cached) and never created, so one whose process is gone stays gone; replies to it are dropped and
 * counted (nobody waits for them; the label is in the output bucket anyway).
 */
export class ReplySender {
  private readonly opened = new Map<string, Promise<Queue>>();
  private droppedCount = 0;

  constructor(private readonly queues: QueueSystem) {}

  /** Replies dropped because their reply queue did not exist. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Sends `reply` to `replyTo`; false when that queue no longer exists. Other failures reject. */
  async send(replyTo: string, reply: RecognitionReply): Promise<boolean> {
    try {
      const queue = await this.open(replyTo);
      await queue.send(JSON.stringify(reply));
      return true;
    } catch (error) {
      this.opened.delete(replyTo);
      if (!(error instanceof NotFoundError)) throw error;
      this.droppedCount += 1;
      return false;
    }
  }

  private open(name: string): Promise<Queue> {
    let queue = this.opened.get(name);
    if (queue === undefined) {
      queue = this.queues.open(name);
      this.opened.set(name, queue);
    }
    return queue;
  }
}
