import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ResourceNames } from '../config/names.js';
import { backoffCapMs, backoffDelayMs, type BackoffPolicy } from '../domain/backoff.js';
import { asScalefaceError, isPassingFault, NotFoundError, type ScalefaceError } from '../domain/errors.js';
import {
  parseRecognitionRequest,
  stemOf,
  type RecognitionReply,
  type RecognitionRequest,
  type ReplyFace,
} from '../domain/messages.js';
import type { Logger } from '../ports/logger.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { QueueMessage, QueueSystem } from '../ports/queue.js';
import type { Classification, ImageModel, LabelledBox, ModelInfo } from '../ports/image-model.js';
import type { HandlerOutcome, MessageHandler } from '../messaging/queue-consumer.js';
import { ReplySender } from '../messaging/reply-sender.js';
import { faceTaskReply } from './face-tasks.js';
import { ServiceClock } from './service-clock.js';

/** Redelivery delay of a request after a retryable failure (config worker.retryBaseMs/retryMaxMs). */
const DEFAULT_RETRY_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000 };
/** How long a storage step is retried in hand through a passing fault (config worker.faultHoldMs). */
const DEFAULT_FAULT_HOLD_MS = 120_000;
/** Waits between those tries: 250 ms doubling to 5 s (no jitter: one worker retries its own step). */
const FAULT_RETRY: BackoffPolicy = { baseMs: 250, maxMs: 5000 };

export interface RecognitionHandlerDeps {
  readonly store: ObjectStore;
  readonly queues: QueueSystem;
  readonly names: ResourceNames;
  /** The configured model (face, objects or the user's own), see src/models. */
  readonly model: ImageModel;
  readonly workerName: string;
  /** Receives after which the queue dead-letters a message (the last attempt replies the failure). */
  readonly maxReceiveCount: number;
  /** Delay before a request that failed for a passing reason is received again (see domain/backoff.ts). */
  readonly retryBackoff?: BackoffPolicy;
  /**
   * A storage step (read the image, write the label) that meets a passing fault (permissions, full disk,
   * storage timeouts) is tried again while the request stays in hand, for up to this long: a fault that
   * passes costs the request none of its receives (after maxReceiveCount it would be dead-lettered).
   */
  readonly faultHoldMs?: number;
  readonly log?: Logger;
}

/**
 * The app tier's work for one request: read the image, classify it, store the label in the output bucket,
 * reply to the requester, and only then let the consumer delete the request. Once the consumer's signal aborts
 * (the handler was given up), it takes no further step: no label is written and no reply sent after it, and
 * the request stays on the queue to be received again.
 */
export function createRecognitionHandler(deps: RecognitionHandlerDeps): MessageHandler {
  const replies = new ReplySender(deps.queues);
  const clock = new ServiceClock();
  const reply = async (request: RecognitionRequest, body: Omit<RecognitionReply, 'v' | 'requestId' | 'key' | 'worker'>) => {
    const trace = request.traceId === undefined ? {} : { traceId: request.traceId };
    const message: RecognitionReply = { v: 1, requestId: request.requestId, key: request.key, worker: deps.workerName, ...trace, ...body };
    if (!(await replies.send(request.replyTo, message))) {
      deps.log?.warn({ requestId: request.requestId, replyTo: request.replyTo, droppedReplies: replies.dropped }, 'reply dropped: the reply queue is gone');
    }
  };

  return async (message: QueueMessage, signal: AbortSignal): Promise<HandlerOutcome> => {
    let request: RecognitionRequest;
    try {
      request = parseRecognitionRequest(message.body);
    } catch (error) {
      deps.log?.warn({ messageId: message.id, err: asScalefaceError(error) }, 'dropping malformed request');
      return 'done';
    }
    // Every step first checks the signal: a reply or label of a request given up could contradict another worker's.
    const replyUnlessAborted: Reply = async (req, body) => (signal.throwIfAborted(), reply(req, body));
    try {
      return await processRequest(deps, request, replyUnlessAborted, signal, clock);
    } catch (error) {
      if (signal.aborted) return abandoned(deps, request, signal);
      return await handleFailure(deps, request, message, asScalefaceError(error), replyUnlessAborted).catch((failure: unknown) => {
        if (signal.aborted) return abandoned(deps, request, signal);
        throw failure;
      });
    }
  };
}

type Reply = (request: RecognitionRequest, body: Omit<RecognitionReply, 'v' | 'requestId' | 'key' | 'worker'>) => Promise<void>;

/** The consumer gave this request up: nothing more is done, and the request is left for another receive. */
function abandoned(deps: RecognitionHandlerDeps, request: RecognitionRequest, signal: AbortSignal): HandlerOutcome {
  const fields = { traceId: request.traceId, requestId: request.requestId, key: request.key, err: signal.reason as unknown };
  deps.log?.warn(fields, 'request abandoned: its handler was given up; it stays on the queue to be received again');
  return { retryAfterSeconds: 0 };
}

/** `work`, or the signal's reason as soon as it aborts (a model that never returns must not hold the handler). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Runs a storage step, trying it again through passing faults for up to `faultHoldMs`; then throws its error. */
async function holdThroughFaults<T>(deps: RecognitionHandlerDeps, request: RecognitionRequest, step: Step, run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (deps.faultHoldMs ?? DEFAULT_FAULT_HOLD_MS);
  for (let retry = 0; ; retry++) {
    step.signal.throwIfAborted();
    try {
      return await run();
    } catch (error) {
      if (!isPassingFault(error) || Date.now() >= deadline) throw error;
      if (retry === 0) {
        const fields = { traceId: request.traceId, requestId: request.requestId, key: request.key, step: step.name, err: asScalefaceError(error) };
        deps.log?.warn(fields, 'storage fault: the request is held and the step retried until the fault passes');
      }
      await delay(Math.min(backoffCapMs(retry, FAULT_RETRY), Math.max(0, deadline - Date.now())), undefined, { signal: step.signal });
    }
  }
}

/** One storage step of a request: its name in the log, and the signal that ends its retries. */
interface Step {
  readonly name: string;
  readonly signal: AbortSignal;
}

async function processRequest(deps: RecognitionHandlerDeps, request: RecognitionRequest, reply: Reply, signal: AbortSignal, clock: ServiceClock): Promise<HandlerOutcome> {
  const startedAt = clock.started();
  const phases = new PhaseTimer();
  const image = await holdThroughFaults(deps, request, { name: 'read image', signal }, () => deps.store.get(deps.names.inputBucket, request.key));
  phases.mark('getMs');
  if (sha256(image) !== request.sha256) {
    // Another upload with the same file name replaced the object; the web tier stores and sends again.
    await reply(request, { status: 'conflict', error: { code: 'CONFLICT', message: 'input object changed' } });
    return 'done';
  }
  signal.throwIfAborted();
  if (request.task !== undefined && request.task !== 'recognize') {
    const readTarget = async () => {
      const target = await holdThroughFaults(deps, request, { name: 'read target', signal }, () => deps.store.get(deps.names.inputBucket, request.targetKey!));
      return sha256(target) === request.targetSha256 ? target : undefined;
    };
    const body = await untilAborted(faceTaskReply(deps.model, request, image, readTarget), signal);
    await reply(request, { ...body, serviceMs: clock.answered(startedAt) });
    return 'done';
  }
  const result = await untilAborted(deps.model.classify(image, request.collection === undefined ? {} : { collection: request.collection }), signal);
  phases.mark('recognizeMs');
  const label = Buffer.from(result.label);
  await holdThroughFaults(deps, request, { name: 'write label', signal }, () => deps.store.put(deps.names.outputBucket, stemOf(request.key), label, { contentType: 'text/plain' }));
  phases.mark('putMs');
  const fields = { traceId: request.traceId, requestId: request.requestId, key: request.key };
  try {
    const serviceMs = clock.answered(startedAt);
    await reply(request, { ...okReply(result, deps.model.describe()), serviceMs }); // a gone reply queue is dropped inside
  } catch (error) {
    const failure = asScalefaceError(error);
    if (failure.retryable || signal.aborted) throw failure;
    deps.log?.warn({ ...fields, replyTo: request.replyTo, err: failure }, 'reply undeliverable');
    return 'done';
  }
  phases.mark('replyMs');
  deps.log?.debug({ ...fields, label: result.label, inferenceMs: result.inferenceMs, ...phases.durations }, 'recognized');
  return 'done';
}

/** Milliseconds spent in each step of one request, for the worker's log line. */
class PhaseTimer {
  readonly durations: Record<string, number> = {};
  private last = performance.now();

  mark(name: string): void {
    const now = performance.now();
    this.durations[name] = Math.round((now - this.last) * 10) / 10;
    this.last = now;
  }
}

function faceOfBox({ box, score, label, distance, nearest }: LabelledBox): ReplyFace {
  return { box, score, label, distance: distance ?? null, ...(nearest === undefined ? {} : { nearest }) };
}

/** The full result: the face model's faces, every model's labels and boxes, and which model answered. */
function okReply(result: Classification, model: ModelInfo): Omit<RecognitionReply, 'v' | 'requestId' | 'key' | 'worker'> {
  const faces = model.kind === 'face' ? result.boxes.map(faceOfBox) : [];
  const boxes = result.boxes.map(({ box, score, label }) => ({ box, score, label }));
  const about = { name: model.name, kind: model.kind, version: model.version };
  return { status: 'ok', label: result.label, faces, labels: result.labels, boxes, model: about, inferenceMs: result.inferenceMs };
}

async function handleFailure(
  deps: RecognitionHandlerDeps,
  request: RecognitionRequest,
  message: QueueMessage,
  error: ScalefaceError,
  reply: Reply,
): Promise<HandlerOutcome> {
  const fields = { traceId: request.traceId, requestId: request.requestId, key: request.key, code: error.code, err: error, receiveCount: message.receiveCount };
  const lastAttempt = message.receiveCount >= deps.maxReceiveCount;
  if (error.retryable && !lastAttempt) {
    deps.log?.warn(fields, 'retryable failure; the request will be received again');
    // Up to 1 s, then 2, 4, ... 30 s, with jitter: retries of requests that failed together spread out.
    const delayMs = backoffDelayMs(message.receiveCount - 1, deps.retryBackoff ?? DEFAULT_RETRY_BACKOFF);
    return { retryAfterSeconds: Math.max(1, Math.round(delayMs / 1000)) };
  }
  const code = error instanceof NotFoundError ? 'INPUT_MISSING' : error.code;
  deps.log?.error(fields, 'request failed');
  // An unexpected error's message may hold a path or a statement: the client gets the code and a generic text.
  const message_ = error.code === 'INTERNAL' ? 'internal error' : error.message;
  await reply(request, { status: 'failed', error: { code, message: message_ } });
  // A final failure is answered and deleted; a retryable one on its last attempt is left to the dead-letter queue.
  return error.retryable ? { retryAfterSeconds: 0 } : 'done';
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
