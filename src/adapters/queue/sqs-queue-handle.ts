/**
 * One SQS queue of an SqsQueueSystem (sqs-queue.ts): send, receive, visibility, delete and depth on its URL.
 * Split from the system so that each file stays readable; the system owns the client and maps errors, and hands
 * each queue what it needs of them (SqsQueueContext), so that this file does not know the system.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { NotFoundError, type ScalefaceError } from '../../domain/errors.js';
import type { Queue, QueueDepth, QueueMessage, ReceiveOptions, SendOptions } from '../../ports/queue.js';
import { checkMessageBody, checkVisibilityTimeout, resolveReceiveOptions, resolveSendDelay } from './limits.js';
import { isStaleReceiptHandle, toQueueMessage } from './sqs-support.js';

/** What a queue needs of its system. */
export interface SqsQueueContext {
  readonly client: SQSClient;
  /** Aborted when the system closes: cuts every poll still waiting. */
  readonly closeSignal: AbortSignal;
  /** Longest single poll of a receive that has an abort signal. */
  readonly abortCheckSeconds: number;
  /** Maps an SDK error of an operation on queue `name`; a missing queue becomes NotFoundError (and its URL is forgotten). */
  mapError(error: unknown, name: string, what: string): ScalefaceError;
}

export class SqsQueue implements Queue {
  constructor(
    private readonly context: SqsQueueContext,
    readonly name: string,
    private readonly url: string,
  ) {}

  private get client(): SQSClient {
    return this.context.client;
  }

  async send(body: string, options: SendOptions = {}): Promise<string> {
    checkMessageBody(body);
    const delaySeconds = resolveSendDelay(options);
    try {
      const out = await this.client.send(
        new SendMessageCommand({ QueueUrl: this.url, MessageBody: body, DelaySeconds: delaySeconds }),
      );
      return out.MessageId ?? '';
    } catch (error) {
      throw this.context.mapError(error, this.name, 'send');
    }
  }

  /**
   * A long poll with a caller's signal is split into polls of at most `abortCheckSeconds`, and the signal is
   * checked between them: SQS keeps serving a ReceiveMessage whose connection the client cut, and a message
   * it hands to that dead connection stays invisible for a whole visibility timeout. So an abort takes
   * effect at the end of the current slice and never loses a message. Only close() cuts a poll short.
   */
  async receive(options: ReceiveOptions = {}): Promise<QueueMessage[]> {
    const { maxMessages, waitTimeSeconds, visibilityTimeoutSeconds } = resolveReceiveOptions(options);
    const deadline = Date.now() + waitTimeSeconds * 1000;
    let remaining = waitTimeSeconds;
    for (;;) {
      if (options.signal?.aborted || this.context.closeSignal.aborted) return [];
      const slice = options.signal ? Math.min(remaining, this.context.abortCheckSeconds) : remaining;
      const messages = await this.receiveOnce(maxMessages, slice, visibilityTimeoutSeconds);
      remaining = Math.round((deadline - Date.now()) / 1000);
      if (messages.length > 0 || remaining <= 0) return messages;
    }
  }

  private async receiveOnce(maxMessages: number, waitTimeSeconds: number, visibilityTimeoutSeconds?: number): Promise<QueueMessage[]> {
    const closeSignal = this.context.closeSignal;
    const command = new ReceiveMessageCommand({
      QueueUrl: this.url,
      MaxNumberOfMessages: maxMessages,
      WaitTimeSeconds: waitTimeSeconds,
      VisibilityTimeout: visibilityTimeoutSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    });
    try {
      const out = await this.client.send(command, { abortSignal: closeSignal });
      return (out.Messages ?? []).map(toQueueMessage);
    } catch (error) {
      if (closeSignal.aborted) return [];
      throw this.context.mapError(error, this.name, 'receive');
    }
  }

  async changeVisibility(receiptHandle: string, timeoutSeconds: number): Promise<void> {
    checkVisibilityTimeout(timeoutSeconds);
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: this.url, ReceiptHandle: receiptHandle, VisibilityTimeout: timeoutSeconds }),
      );
    } catch (error) {
      if (isStaleReceiptHandle(error)) {
        throw new NotFoundError(`message of receipt handle is no longer in flight on ${this.name}`, { cause: error });
      }
      throw this.context.mapError(error, this.name, 'changeVisibility');
    }
  }

  async delete(receiptHandle: string): Promise<void> {
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.url, ReceiptHandle: receiptHandle }));
    } catch (error) {
      if (isStaleReceiptHandle(error)) return;
      throw this.context.mapError(error, this.name, 'delete');
    }
  }

  async depth(): Promise<QueueDepth> {
    try {
      const out = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const a = out.Attributes ?? {};
      return {
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    } catch (error) {
      throw this.context.mapError(error, this.name, 'depth');
    }
  }
}
