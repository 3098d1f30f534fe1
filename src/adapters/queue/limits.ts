import { InvalidInputError } from '../../domain/errors.js';
import type { QueueOptions, ReceiveOptions, SendOptions } from '../../ports/queue.js';

/** Amazon SQS's limits, enforced by every queue adapter so that they all reject the same arguments. */
export const QUEUE_LIMITS = {
  maxBodyBytes: 256 * 1024,
  maxDelaySeconds: 900,
  maxWaitTimeSeconds: 20,
  maxMessagesPerReceive: 10,
  maxVisibilityTimeoutSeconds: 43_200,
  maxReceiveCount: 1000,
  defaultVisibilityTimeoutSeconds: 30,
} as const;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** Seconds and counts are whole numbers, as in SQS. */
export function checkWholeNumber(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${what} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

export function checkQueueName(name: string): void {
  if (!QUEUE_NAME.test(name)) {
    throw new InvalidInputError(`queue name "${name}" must be 1..80 letters, digits, dashes or underscores`);
  }
}

export function checkMessageBody(body: string): void {
  if (typeof body !== 'string' || body.length === 0) throw new InvalidInputError('message body must not be empty');
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > QUEUE_LIMITS.maxBodyBytes) {
    throw new InvalidInputError(`message body is ${bytes} bytes, more than ${QUEUE_LIMITS.maxBodyBytes}`);
  }
}

export function checkVisibilityTimeout(seconds: number): number {
  return checkWholeNumber('visibility timeout (seconds)', seconds, 0, QUEUE_LIMITS.maxVisibilityTimeoutSeconds);
}

/** The delay of a send, in seconds. */
export function resolveSendDelay(options: SendOptions = {}): number {
  return checkWholeNumber('delaySeconds', options.delaySeconds ?? 0, 0, QUEUE_LIMITS.maxDelaySeconds);
}

export interface ResolvedReceiveOptions {
  readonly maxMessages: number;
  readonly waitTimeSeconds: number;
  /** Undefined means: the queue's own visibility timeout. */
  readonly visibilityTimeoutSeconds: number | undefined;
}

export function resolveReceiveOptions(options: ReceiveOptions = {}): ResolvedReceiveOptions {
  const { maxMessages = 1, waitTimeSeconds = 0, visibilityTimeoutSeconds } = options;
  return {
    maxMessages: checkWholeNumber('maxMessages', maxMessages, 1, QUEUE_LIMITS.maxMessagesPerReceive),
    waitTimeSeconds: checkWholeNumber('waitTimeSeconds', waitTimeSeconds, 0, QUEUE_LIMITS.maxWaitTimeSeconds),
    visibilityTimeoutSeconds:
      visibilityTimeoutSeconds === undefined ? undefined : checkVisibilityTimeout(visibilityTimeoutSeconds),
  };
}

/** Checks a queue's options; the dead-letter queue must be another queue. */
export function checkQueueOptions(name: string, options: QueueOptions = {}): void {
  checkQueueName(name);
  if (options.visibilityTimeoutSeconds !== undefined) checkVisibilityTimeout(options.visibilityTimeoutSeconds);
  const deadLetter = options.deadLetter;
  if (deadLetter === undefined) return;
  checkQueueName(deadLetter.queueName);
  if (deadLetter.queueName === name) throw new InvalidInputError(`queue ${name} cannot be its own dead-letter queue`);
  checkWholeNumber('maxReceiveCount', deadLetter.maxReceiveCount, 1, QUEUE_LIMITS.maxReceiveCount);
}
