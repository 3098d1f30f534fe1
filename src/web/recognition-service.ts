import { createHash, randomUUID } from 'node:crypto';
import type { ResourceNames } from '../config/names.js';
import { ConflictError, UnsupportedMediaError, WorkerFailedError } from '../domain/errors.js';
import type { RecognitionReply, RecognitionRequest } from '../domain/messages.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Queue } from '../ports/queue.js';
import type { ReplyCorrelator } from './reply-correlator.js';

export interface RecognitionServiceDeps {
  readonly store: ObjectStore;
  readonly requestQueue: Queue;
  readonly names: ResourceNames;
  readonly correlator: ReplyCorrelator;
  readonly replyTimeoutMs: number;
  /** Called after a request is enqueued (the autoscaler reacts at once instead of at its next tick). */
  readonly onEnqueued?: () => void;
}

const MAX_CONFLICT_ATTEMPTS = 5;

export interface RecognizeOptions {
  /** The web tier's request id; the worker logs it and echoes it in its reply. */
  readonly traceId?: string;
  /** Called after the request message is on the request queue (first attempt). */
  readonly onSubmitted?: () => void;
}

/**
 * The web tier's path for one upload: store the image in the input bucket under its file name, send a
 * reference to the request queue, and wait for this process's reply. Uploads that share a file name are
 * serialized in this process; across processes a worker that finds other bytes answers `conflict` and
 * the upload is stored and sent again.
 */
export class RecognitionService {
  private readonly keyLocks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RecognitionServiceDeps) {}

  /** Recognizes a checked image; `fileName` must already be a safe base name. */
  recognize(fileName: string, bytes: Buffer, options: RecognizeOptions = {}): Promise<RecognitionReply> {
    const previous = this.keyLocks.get(fileName) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.recognizeWithRetries(fileName, bytes, options));
    this.keyLocks.set(fileName, current);
    void current.catch(() => undefined).finally(() => {
      if (this.keyLocks.get(fileName) === current) this.keyLocks.delete(fileName);
    });
    return current;
  }

  private async recognizeWithRetries(fileName: string, bytes: Buffer, options: RecognizeOptions): Promise<RecognitionReply> {
    const digest = createHash('sha256').update(bytes).digest('hex');
    for (let attempt = 1; attempt <= MAX_CONFLICT_ATTEMPTS; attempt++) {
      const reply = await this.submitOnce(fileName, bytes, digest, options);
      if (reply.status === 'ok') return reply;
      if (reply.status !== 'conflict') throw failureOf(reply);
    }
    throw new ConflictError(`"${fileName}" kept being replaced by other uploads; try again`);
  }

  private async submitOnce(key: string, bytes: Buffer, sha256: string, options: RecognizeOptions): Promise<RecognitionReply> {
    const { store, names, correlator, requestQueue } = this.deps;
    await store.put(names.inputBucket, key, bytes, { contentType: 'application/octet-stream' });
    const request: RecognitionRequest = {
      v: 1,
      requestId: randomUUID(),
      key,
      sha256,
      replyTo: correlator.queueName,
      submittedAt: Date.now(),
      ...(options.traceId === undefined ? {} : { traceId: options.traceId }),
    };
    const answer = correlator.waitFor(request.requestId, this.deps.replyTimeoutMs);
    try {
      await requestQueue.send(JSON.stringify(request));
    } catch (error) {
      correlator.cancel(request.requestId);
      throw error;
    }
    this.deps.onEnqueued?.();
    options.onSubmitted?.();
    return answer;
  }
}

function failureOf(reply: RecognitionReply): Error {
  const message = reply.error?.message ?? 'the app tier could not process the image';
  if (reply.error?.code === 'UNSUPPORTED_MEDIA') return new UnsupportedMediaError(message);
  return new WorkerFailedError(`the app tier failed: ${message}`);
}
