/**
 * A message queue with Amazon SQS semantics: at-least-once delivery, a visibility timeout that
 * hides a received message until it is deleted or the timeout expires, a receive count, and a
 * dead-letter queue that takes messages received more than `maxReceiveCount` times.
 */
export interface QueueMessage {
  /** Stable id of the message, the same on every delivery. */
  readonly id: string;
  /** Handle for this one delivery; use it to delete or change visibility. */
  readonly receiptHandle: string;
  readonly body: string;
  /** How many times the message has been received, this delivery included (1 on the first). */
  readonly receiveCount: number;
  /** Epoch milliseconds when the message was first sent. */
  readonly sentAt: number;
}

export interface QueueDepth {
  /** Messages ready to be received now. */
  readonly visible: number;
  /** Messages received and neither deleted nor back to visible. */
  readonly inFlight: number;
  /** Messages sent with a delay that has not passed yet. */
  readonly delayed: number;
}

export interface ReceiveOptions {
  /** At most this many messages (1..10, default 1). */
  readonly maxMessages?: number;
  /** Long poll: wait up to this many seconds for a message (0..20, default 0). Returns early when one arrives. */
  readonly waitTimeSeconds?: number;
  /** Overrides the queue's visibility timeout for this receive. */
  readonly visibilityTimeoutSeconds?: number;
  /** Aborting ends a long poll early with whatever was received (possibly nothing). */
  readonly signal?: AbortSignal;
}

export interface SendOptions {
  /** Hide the message for this many seconds after sending (0..900, default 0). */
  readonly delaySeconds?: number;
}

export interface Queue {
  readonly name: string;
  send(body: string, options?: SendOptions): Promise<string>;
  receive(options?: ReceiveOptions): Promise<QueueMessage[]>;
  /** Sets the remaining invisibility of a received message, from now. 0 makes it visible again. */
  changeVisibility(receiptHandle: string, timeoutSeconds: number): Promise<void>;
  /** Deletes a received message. Deleting with a stale handle after redelivery is a no-op. */
  delete(receiptHandle: string): Promise<void>;
  depth(): Promise<QueueDepth>;
}

export interface DeadLetterPolicy {
  /** Name of the dead-letter queue (created with default settings when missing). */
  readonly queueName: string;
  /** A message received this many times without deletion moves there instead of being received again. */
  readonly maxReceiveCount: number;
}

export interface QueueOptions {
  /** Default visibility timeout for receives (default 30 s). */
  readonly visibilityTimeoutSeconds?: number;
  readonly deadLetter?: DeadLetterPolicy;
}

/**
 * A set of named queues on one backend (one SQLite file, one AWS account and region).
 *
 * Queues are created on purpose, by the side that owns them: `up` or the deploy creates the request queue and
 * its dead-letter queue, a web process its own reply queue. Everyone else opens what exists, so that a queue
 * removed by its owner (the reply queue of a web process that is gone) is never brought back by a late sender.
 */
export interface QueueSystem {
  /** Creates a queue, or opens it when it exists and brings the settings passed in line. */
  create(name: string, options?: QueueOptions): Promise<Queue>;
  /** Opens a queue that exists; rejects with NotFoundError when it does not. */
  open(name: string): Promise<Queue>;
  /** Names of the queues whose name starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deletes a queue and its messages. Removing a missing queue is a no-op. */
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}
