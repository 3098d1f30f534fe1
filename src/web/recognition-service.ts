import { createHash, randomUUID } from 'node:crypto';
import type { ResourceNames } from '../config/names.js';
import { DEFAULT_COLLECTION } from '../domain/collections.js';
import { ConflictError, NoFaceError, NotFoundError, UnsupportedMediaError, WorkerFailedError, WrongModelError } from '../domain/errors.js';
import { TASK_INPUTS_PREFIX, type RecognitionReply, type RecognitionRequest } from '../domain/messages.js';
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
  /** Called with every reply of the app tier (how fast it answers: see admission.ts; what answers cost: the autoscaler's service time). */
  readonly onAnswer?: (reply: RecognitionReply) => void;
  /** Waits for room in the body budget to hold `bytes` (a staged job's image on its way to the input bucket). */
  readonly bodyRoom?: (bytes: number) => Promise<{ release(): void }>;
}

const MAX_CONFLICT_ATTEMPTS = 5;

/** Where an async job's image waits in the control bucket until its job is done (a copy to re-send from). */
export const STAGED_UPLOADS_PREFIX = 'uploads/';

/** An async job's image as the job keeps it: where it is, never its bytes. */
interface StagedImage {
  readonly key: string;
  readonly stagedKey: string;
  readonly sha256: string;
  readonly size: number;
}

export interface RecognizeOptions {
  /** The web tier's request id; the worker logs it and echoes it in its reply. */
  readonly traceId?: string;
  /** Called after the request message is on the request queue (first attempt). */
  readonly onSubmitted?: () => void;
  /** The collection whose gallery names the faces; absent: the default collection. */
  readonly collection?: string;
}

/** A verify or detect task: its photo, and a verification's other side (a second photo or a subject). */
export type FaceTask =
  | { readonly task: 'detect'; readonly source: Buffer }
  | { readonly task: 'verify'; readonly source: Buffer; readonly target: Buffer }
  | { readonly task: 'verify'; readonly source: Buffer; readonly subject: string };

/** The task fields of a request message (see RecognitionRequest). */
type TaskFields = Pick<RecognitionRequest, 'task' | 'targetKey' | 'targetSha256' | 'subject'>;

/**
 * The web tier's path for one upload: store the image in the input bucket under its file name, send a
 * reference to the request queue, and wait for this process's reply. Uploads that share a file name are
 * serialized in this process; across processes a worker that finds other bytes answers `conflict` and
 * the upload is stored and sent again.
 */
export class RecognitionService {
  private readonly keyLocks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RecognitionServiceDeps) {}

  /** Recognizes a checked image held by the caller; `fileName` must already be a safe base name. */
  recognize(fileName: string, bytes: Buffer, options: RecognizeOptions = {}): Promise<RecognitionReply> {
    const sha256 = digestOf(bytes);
    return this.serialized(fileName, () =>
      this.withConflictRetries(fileName, async () => {
        await this.putInput(fileName, bytes);
        return this.send(fileName, sha256, options);
      }),
    );
  }

  /**
   * An async job: stores the image at once (in the input bucket, and a copy in the control bucket to re-send
   * from after a conflict) and resolves when it is stored; from then on no bytes are held. `result` settles with
   * the app tier's answer.
   */
  async startJob(fileName: string, bytes: Buffer, options: RecognizeOptions = {}): Promise<{ result: Promise<RecognitionReply> }> {
    const image: StagedImage = { key: fileName, stagedKey: `${STAGED_UPLOADS_PREFIX}${randomUUID()}`, sha256: digestOf(bytes), size: bytes.length };
    // Another request of this name ahead in this process still needs its object: this one goes in when its turn comes.
    const inputNow = !this.keyLocks.has(fileName);
    let stored!: (ok: boolean) => void;
    const storing = new Promise<boolean>((resolve) => (stored = resolve));
    const result = this.serialized(fileName, async () => {
      if (!(await storing)) throw new ConflictError('the image was not stored');
      return this.recognizeStaged(image, inputNow, options);
    });
    result.catch(() => undefined); // the caller gets it; this keeps a refusal below from being unhandled
    try {
      const { store, names } = this.deps;
      await store.put(names.controlBucket, image.stagedKey, bytes, { contentType: 'application/octet-stream' });
      if (inputNow) await this.putInput(fileName, bytes);
      stored(true);
    } catch (error) {
      stored(false);
      await this.deps.store.delete(this.deps.names.controlBucket, image.stagedKey).catch(() => undefined);
      throw error;
    }
    return { result: result.finally(() => this.deps.store.delete(this.deps.names.controlBucket, image.stagedKey).catch(() => undefined)) };
  }

  /**
   * A verify or detect task through the app tier. Its photos go in under keys of their own
   * (`tasks/<id>/source`, `tasks/<id>/target`), which no other upload shares, and are deleted once answered.
   */
  async analyze(task: FaceTask, options: RecognizeOptions = {}): Promise<RecognitionReply> {
    const prefix = `${TASK_INPUTS_PREFIX}${randomUUID()}/`;
    const keys = [`${prefix}source`];
    try {
      await this.putInput(keys[0]!, task.source);
      let fields: TaskFields = { task: task.task };
      if ('target' in task) {
        keys.push(`${prefix}target`);
        await this.putInput(keys[1]!, task.target);
        fields = { task: 'verify', targetKey: keys[1], targetSha256: digestOf(task.target) };
      } else if ('subject' in task) {
        fields = { task: 'verify', subject: task.subject };
      }
      const reply = await this.send(keys[0]!, digestOf(task.source), options, fields);
      if (reply.status !== 'ok') throw failureOf(reply);
      return reply;
    } finally {
      await Promise.all(keys.map((key) => this.deps.store.delete(this.deps.names.inputBucket, key).catch(() => undefined)));
    }
  }

  /** Runs `task` after every earlier request of this file name in this process (their objects share the key). */
  private serialized<T>(fileName: string, task: () => Promise<T>): Promise<T> {
    const previous = this.keyLocks.get(fileName) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(task);
    this.keyLocks.set(fileName, current);
    void current.catch(() => undefined).finally(() => {
      if (this.keyLocks.get(fileName) === current) this.keyLocks.delete(fileName);
    });
    return current;
  }

  private async recognizeStaged(image: StagedImage, inputInPlace: boolean, options: RecognizeOptions): Promise<RecognitionReply> {
    let first = true;
    return this.withConflictRetries(image.key, async () => {
      if (!first || !inputInPlace) await this.copyStaged(image);
      first = false;
      return this.send(image.key, image.sha256, options);
    });
  }

  /** Puts the staged copy back under its key, holding its bytes only for the copy and within the body budget. */
  private async copyStaged(image: StagedImage): Promise<void> {
    const room = await (this.deps.bodyRoom?.(image.size) ?? { release: () => undefined });
    try {
      const bytes = await this.deps.store.get(this.deps.names.controlBucket, image.stagedKey);
      await this.putInput(image.key, bytes);
    } finally {
      room.release();
    }
  }

  /** Submits until the worker finds the bytes it was sent (a conflict: another upload replaced the object). */
  private async withConflictRetries(fileName: string, submit: () => Promise<RecognitionReply>): Promise<RecognitionReply> {
    for (let attempt = 1; attempt <= MAX_CONFLICT_ATTEMPTS; attempt++) {
      const reply = await submit();
      if (reply.status === 'ok') return reply;
      if (reply.status !== 'conflict') throw failureOf(reply);
    }
    throw new ConflictError(`"${fileName}" kept being replaced by other uploads; try again`);
  }

  private putInput(key: string, bytes: Buffer): Promise<void> {
    return this.deps.store.put(this.deps.names.inputBucket, key, bytes, { contentType: 'application/octet-stream' });
  }

  private async send(key: string, sha256: string, options: RecognizeOptions, fields: TaskFields = {}): Promise<RecognitionReply> {
    const { correlator, requestQueue } = this.deps;
    const request: RecognitionRequest = {
      v: 1,
      requestId: randomUUID(),
      key,
      sha256,
      replyTo: correlator.queueName,
      submittedAt: Date.now(),
      ...(options.traceId === undefined ? {} : { traceId: options.traceId }),
      // Absent for the default collection: the message reads as before, for workers older than collections too.
      ...(options.collection === undefined || options.collection === DEFAULT_COLLECTION ? {} : { collection: options.collection }),
      ...fields,
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
    const reply = await answer;
    this.deps.onAnswer?.(reply);
    return reply;
  }
}

function digestOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The worker's refusals the client can act on, as their own errors (4xx); anything else is the app tier's failure. */
const CLIENT_ERRORS: Readonly<Record<string, new (message: string) => Error>> = {
  UNSUPPORTED_MEDIA: UnsupportedMediaError,
  NO_FACE: NoFaceError,
  NOT_FOUND: NotFoundError,
  WRONG_MODEL: WrongModelError,
};

function failureOf(reply: RecognitionReply): Error {
  const message = reply.error?.message ?? 'the app tier could not process the image';
  const ClientError = CLIENT_ERRORS[reply.error?.code ?? ''];
  if (ClientError !== undefined) return new ClientError(message);
  return new WorkerFailedError(`the app tier failed: ${message}`);
}
