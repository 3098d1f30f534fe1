import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import { BackendUnavailableError, InvalidInputError, NotFoundError, ScalefaceError } from '../../domain/errors.js';
import type {
  Queue,
  QueueDepth,
  QueueMessage,
  QueueOptions,
  QueueSystem,
  ReceiveOptions,
  SendOptions,
} from '../../ports/queue.js';
import { awsErrorCode, awsErrorMessage, fromAwsError, isAccessDeniedError } from '../aws/aws-errors.js';
import {
  checkMessageBody,
  checkQueueName,
  checkQueueOptions,
  checkVisibilityTimeout,
  QUEUE_LIMITS,
  resolveReceiveOptions,
  resolveSendDelay,
} from './limits.js';
import {
  INVALID_INPUT_CODES,
  isMissingQueue,
  isStaleReceiptHandle,
  QUEUE_DELETED_RECENTLY_CODES,
  QUEUE_EXISTS_CODES,
  sameAttribute,
  toQueueMessage,
} from './sqs-support.js';

export interface SqsQueueSystemOptions {
  readonly region: string;
  /** An SQS-compatible endpoint (an emulator); unset means AWS itself. */
  readonly endpoint?: string;
  /** A ready client (tests, shared connection pools); the system then leaves it open on close(). */
  readonly client?: SQSClient;
  /** Longest single poll of a receive that has an abort signal: the abort's latency (default 5 s). */
  readonly abortCheckSeconds?: number;
}

/**
 * Amazon SQS (standard queues) behind the QueueSystem port. Queue URLs are looked up once and cached;
 * open() creates a missing queue and brings the attributes it is given (visibility timeout, redrive
 * policy) in line on an existing one, so a queue created by the CDK stack needs no sqs:CreateQueue.
 */
export class SqsQueueSystem implements QueueSystem {
  readonly client: SQSClient;
  readonly abortCheckSeconds: number;
  private readonly ownsClient: boolean;
  private readonly urls = new Map<string, string>();
  private readonly closing = new AbortController();

  constructor(options: SqsQueueSystemOptions) {
    this.ownsClient = options.client === undefined;
    this.abortCheckSeconds = Math.max(1, Math.min(20, Math.round(options.abortCheckSeconds ?? 5)));
    this.client = options.client ?? new SQSClient({ region: options.region, endpoint: options.endpoint });
  }

  /** Aborted by close(): cuts every poll still waiting. */
  get closeSignal(): AbortSignal {
    return this.closing.signal;
  }

  async open(name: string, options: QueueOptions = {}): Promise<Queue> {
    checkQueueOptions(name, options);
    const desired: Record<string, string> = {};
    if (options.visibilityTimeoutSeconds !== undefined) desired.VisibilityTimeout = String(options.visibilityTimeoutSeconds);
    if (options.deadLetter) {
      const deadLetterUrl = await this.ensureQueue(options.deadLetter.queueName, {});
      const deadLetterTargetArn = await this.queueArn(options.deadLetter.queueName, deadLetterUrl);
      desired.RedrivePolicy = JSON.stringify({ deadLetterTargetArn, maxReceiveCount: options.deadLetter.maxReceiveCount });
    }
    const url = await this.ensureQueue(name, desired);
    return new SqsQueue(this, name, url);
  }

  async openExisting(name: string): Promise<Queue | undefined> {
    checkQueueName(name);
    const url = await this.lookupUrl(name);
    return url === undefined ? undefined : new SqsQueue(this, name, url);
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await this.client.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1000, NextToken: nextToken }));
        for (const url of out.QueueUrls ?? []) names.push(url.slice(url.lastIndexOf('/') + 1));
        nextToken = out.NextToken;
      } while (nextToken !== undefined);
    } catch (error) {
      throw fromAwsError(error, `listing queues named ${prefix}*`);
    }
    return names.sort();
  }

  async remove(name: string): Promise<void> {
    checkQueueName(name);
    try {
      const url = await this.lookupUrl(name);
      if (url !== undefined) await this.client.send(new DeleteQueueCommand({ QueueUrl: url }));
    } catch (error) {
      if (!isMissingQueue(error)) throw fromAwsError(error, `deleting queue ${name}`);
    } finally {
      this.urls.delete(name);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    if (this.ownsClient) this.client.destroy();
  }

  /** Maps an SDK error of an operation on queue `name`; a missing queue becomes NotFoundError. */
  mapError(error: unknown, name: string, what: string): ScalefaceError {
    if (isMissingQueue(error)) {
      this.urls.delete(name);
      return new NotFoundError(`queue ${name} does not exist`, { cause: error });
    }
    if (QUEUE_DELETED_RECENTLY_CODES.has(awsErrorCode(error))) {
      return new BackendUnavailableError(`queue ${name} was deleted less than 60 s ago; SQS refuses the name until then`, {
        cause: error,
      });
    }
    if (INVALID_INPUT_CODES.has(awsErrorCode(error))) {
      return new InvalidInputError(`${what} on queue ${name} was refused: ${awsErrorMessage(error)}`, { cause: error });
    }
    return fromAwsError(error, `${what} on queue ${name}`);
  }

  /** URL of queue `name`, or undefined when it does not exist. */
  private async lookupUrl(name: string): Promise<string | undefined> {
    const cached = this.urls.get(name);
    if (cached !== undefined) return cached;
    try {
      const out = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
      if (out.QueueUrl === undefined) return undefined;
      this.urls.set(name, out.QueueUrl);
      return out.QueueUrl;
    } catch (error) {
      if (isMissingQueue(error)) return undefined;
      throw fromAwsError(error, `looking up queue ${name}`);
    }
  }

  private async ensureQueue(name: string, desired: Record<string, string>): Promise<string> {
    const existing = await this.lookupUrl(name);
    if (existing !== undefined) {
      try {
        await this.reconcile(name, existing, desired);
        return existing;
      } catch (error) {
        // Deleted since we cached its URL: create it again below.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return this.create(name, desired);
  }

  private async create(name: string, desired: Record<string, string>): Promise<string> {
    const attributes = { VisibilityTimeout: String(QUEUE_LIMITS.defaultVisibilityTimeoutSeconds), ...desired };
    try {
      const out = await this.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      const url = out.QueueUrl ?? (await this.lookupUrl(name));
      if (url === undefined) throw new NotFoundError(`queue ${name} vanished right after creation`);
      this.urls.set(name, url);
      return url;
    } catch (error) {
      if (!QUEUE_EXISTS_CODES.has(awsErrorCode(error))) throw this.mapError(error, name, 'creating');
      // Created concurrently with other attributes: adopt it and set ours.
      this.urls.delete(name);
      const url = await this.lookupUrl(name);
      if (url === undefined) throw this.mapError(error, name, 'creating');
      await this.reconcile(name, url, desired);
      return url;
    }
  }

  /** Sets those of the desired attributes that differ from the queue's current ones. */
  private async reconcile(name: string, url: string, desired: Record<string, string>): Promise<void> {
    const names = Object.keys(desired);
    if (names.length === 0) return;
    try {
      const out = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names as QueueAttributeName[] }),
      );
      const current: Record<string, string | undefined> = out.Attributes ?? {};
      const changed = names.filter((n) => !sameAttribute(n, current[n], desired[n] ?? ''));
      if (changed.length === 0) return;
      const attributes = Object.fromEntries(changed.map((n) => [n, desired[n] ?? '']));
      await this.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    } catch (error) {
      // Least-privilege roles may not change queues the deployment stack owns: its attributes stand.
      if (isAccessDeniedError(error)) return;
      throw this.mapError(error, name, 'setting attributes');
    }
  }

  private async queueArn(name: string, url: string): Promise<string> {
    try {
      const out = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
      const arn = out.Attributes?.QueueArn;
      if (arn === undefined) throw new NotFoundError(`queue ${name} has no ARN`);
      return arn;
    } catch (error) {
      throw this.mapError(error, name, 'reading the ARN');
    }
  }
}

class SqsQueue implements Queue {
  constructor(
    private readonly system: SqsQueueSystem,
    readonly name: string,
    private readonly url: string,
  ) {}

  private get client(): SQSClient {
    return this.system.client;
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
      throw this.system.mapError(error, this.name, 'send');
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
      if (options.signal?.aborted || this.system.closeSignal.aborted) return [];
      const slice = options.signal ? Math.min(remaining, this.system.abortCheckSeconds) : remaining;
      const messages = await this.receiveOnce(maxMessages, slice, visibilityTimeoutSeconds);
      remaining = Math.round((deadline - Date.now()) / 1000);
      if (messages.length > 0 || remaining <= 0) return messages;
    }
  }

  private async receiveOnce(maxMessages: number, waitTimeSeconds: number, visibilityTimeoutSeconds?: number): Promise<QueueMessage[]> {
    const closeSignal = this.system.closeSignal;
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
      throw this.system.mapError(error, this.name, 'receive');
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
      throw this.system.mapError(error, this.name, 'changeVisibility');
    }
  }

  async delete(receiptHandle: string): Promise<void> {
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.url, ReceiptHandle: receiptHandle }));
    } catch (error) {
      if (isStaleReceiptHandle(error)) return;
      throw this.system.mapError(error, this.name, 'delete');
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
      throw this.system.mapError(error, this.name, 'depth');
    }
  }
}
