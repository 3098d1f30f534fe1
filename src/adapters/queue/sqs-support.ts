/** Helpers of the SQS adapter: reading SQS's error codes, messages and queue attributes. */
import type { Message } from '@aws-sdk/client-sqs';
import type { QueueMessage } from '../../ports/queue.js';
import { awsErrorCode, awsErrorMessage } from '../aws/aws-errors.js';

const MISSING_QUEUE_CODES = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);
export const QUEUE_EXISTS_CODES = new Set(['QueueNameExists', 'QueueAlreadyExists']);
/** SQS refuses to create a queue under the name of one deleted less than 60 s ago. */
export const QUEUE_DELETED_RECENTLY_CODES = new Set(['QueueDeletedRecently', 'AWS.SimpleQueueService.QueueDeletedRecently']);
export const INVALID_INPUT_CODES = new Set([
  'InvalidParameterValue',
  'InvalidAttributeName',
  'InvalidAttributeValue',
  'InvalidMessageContents',
  'MissingParameter',
]);

export function isMissingQueue(error: unknown): boolean {
  return MISSING_QUEUE_CODES.has(awsErrorCode(error));
}

/** SQS says a receipt handle is stale in three ways, depending on how stale it is. */
export function isStaleReceiptHandle(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code === 'ReceiptHandleIsInvalid' || code === 'MessageNotInflight') return true;
  return code === 'InvalidParameterValue' && /receipt ?handle/i.test(awsErrorMessage(error));
}

export function toQueueMessage(message: Message): QueueMessage {
  const attributes = message.Attributes ?? {};
  return {
    id: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    receiveCount: Number(attributes.ApproximateReceiveCount ?? 1),
    sentAt: Number(attributes.SentTimestamp ?? 0),
  };
}

/** Compares queue attributes as SQS means them (a redrive policy is JSON whose spelling may vary). */
export function sameAttribute(name: string, current: string | undefined, desired: string): boolean {
  if (current === undefined) return false;
  if (name !== 'RedrivePolicy') return current === desired;
  try {
    const a = JSON.parse(current) as { deadLetterTargetArn?: string; maxReceiveCount?: unknown };
    const b = JSON.parse(desired) as { deadLetterTargetArn?: string; maxReceiveCount?: unknown };
    return a.deadLetterTargetArn === b.deadLetterTargetArn && Number(a.maxReceiveCount) === Number(b.maxReceiveCount);
  } catch {
    return false;
  }
}
