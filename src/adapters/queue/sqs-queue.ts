import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import { BackendUnavailableError, InvalidInputError, NotFoundError, ScalefaceError } from '../../domain/errors.js';
import type {
  Queue,
  QueueOptions,
  QueueSystem,
} from '../../ports/queue.js';
import { awsErrorCode, awsErrorMessage, fromAwsError, isAccessDeniedError } from '../aws/aws-errors.js';
import {
  checkQueueName,
  checkQueueOptions,
  QUEUE_LIMITS,
} from './limits.js';
import {
  INVALID_INPUT_CODES,
  isMissingQueue,
  QUEUE_DELETED_RECENTLY_CODES,
  QUEUE_EXISTS_CODES,
  sameAttribute,
} from './sqs-support.js';
import { SqsQueue, type SqsQueueContext } from './sqs-queue-handle.js';

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
 * create() creates a missing queue and brings the attributes it is given (visibility timeout, redrive
 * policy) in line on an existing one; open() only looks up the URL of one that exists, which is all an
 * app-tier role may do (it has no sqs:CreateQueue).
 */
export class SqsQueueSystem implements QueueSystem {
  readonly client: SQSClient;
  private readonly ownsClient: boolean;
  private readonly urls = new Map<string, string>();
  private readonly closing = new AbortController();
  /** What each of its queues uses: the client, close()'s signal, the error mapping. */
  private readonly queueContext: SqsQueueContext;

  constructor(options: SqsQueueSystemOptions) {
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new SQSClient({ region: options.region, endpoint: options.endpoint });
    this.queueContext = {
      client: this.client,
      closeSignal: this.closing.signal,
      abortCheckSeconds: Math.max(1, Math.min(20, Math.round(options.abortCheckSeconds ?? 5))),
      mapError: (error, name, what) => this.mapError(error, name, what),
    };
  }

  async create(name: string, options: QueueOptions = {}): Promise<Queue> {
    checkQueueOptions(name, options);
    const desired: Record<string, string> = {};
    if (options.visibilityTimeoutSeconds !== undefined) desired.VisibilityTimeout = String(options.visibilityTimeoutSeconds);
    if (options.deadLetter) {
      const deadLetterUrl = await this.ensureQueue(options.deadLetter.queueName, {});
      const deadLetterTargetArn = await this.queueArn(options.deadLetter.queueName, deadLetterUrl);
      desired.RedrivePolicy = JSON.stringify({ deadLetterTargetArn, maxReceiveCount: options.deadLetter.maxReceiveCount });
    }
    const url = await this.ensureQueue(name, desired);
    return new SqsQueue(this.queueContext, name, url);
  }

  async open(name: string): Promise<Queue> {
    checkQueueName(name);
    const url = await this.lookupUrl(name);
    if (url === undefined) throw new NotFoundError(`queue ${name} does not exist`);
    return new SqsQueue(this.queueContext, name, url);
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
  private mapError(error: unknown, name: string, what: string): ScalefaceError {
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
    return this.createQueue(name, desired);
  }

  private async createQueue(name: string, desired: Record<string, string>): Promise<string> {
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
