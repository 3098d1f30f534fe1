/**
 * Messages between the web tier's main thread and its embedding thread (embedding-thread.ts), and how
 * errors cross the boundary: structured clone keeps only an Error's message, so a ScalefaceError travels
 * as { code, message, retryable } and is rebuilt on the main side as the same subclass.
 */
import {
  BackendUnavailableError,
  OverloadedError,
  ConfigInvalidError,
  NativeModuleMismatchError,
  ConflictError,
  DeadLetteredError,
  GalleryModelMismatchError,
  WrongModelError,
  InvalidInputError,
  ModelUnavailableError,
  NoFaceError,
  NotFoundError,
  PayloadTooLargeError,
  ScalefaceError,
  TimeoutError,
  TooManyJobsError,
  UnauthorizedError,
  ForbiddenError,
  UnsupportedMediaError,
  WorkerFailedError,
  asScalefaceError,
  type ErrorCode,
  type ScalefaceErrorOptions,
  QueueLostError,
  HostNotAllowedError,
  OriginNotAllowedError,
  TooManyEventClientsError,
} from '../domain/errors.js';
import type { EmbeddedFace, ImageEmbedding } from './embedder.js';

/** Main -> thread: embed these bytes (their buffer is transferred). */
export interface EmbedRequest {
  readonly id: number;
  readonly image: Uint8Array;
}

export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  /** Message of the thread-side cause, when there was one. */
  readonly cause?: string;
}

/** Thread -> main: the embedding (descriptor buffers transferred), or the error the embedder threw. */
export type EmbedReply =
  | { readonly id: number; readonly ok: true; readonly embedding: ImageEmbedding }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

export function serializeError(thrown: unknown): SerializedError {
  const error = asScalefaceError(thrown);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return { code: error.code, message: error.message, retryable: error.retryable, ...(cause ? { cause } : {}) };
}

type ErrorClass = new (message: string, options?: ScalefaceErrorOptions) => ScalefaceError;

const ERROR_CLASS_BY_CODE: Record<Exclude<ErrorCode, 'INTERNAL'>, ErrorClass> = {
  INVALID_INPUT: InvalidInputError,
  UNSUPPORTED_MEDIA: UnsupportedMediaError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  NOT_FOUND: NotFoundError,
  CONFLICT: ConflictError,
  UNAUTHORIZED: UnauthorizedError,
  FORBIDDEN: ForbiddenError,
  ORIGIN_NOT_ALLOWED: OriginNotAllowedError,
  HOST_NOT_ALLOWED: HostNotAllowedError,
  TOO_MANY_EVENT_CLIENTS: TooManyEventClientsError,
  TOO_MANY_JOBS: TooManyJobsError,
  TIMEOUT: TimeoutError,
  DEAD_LETTERED: DeadLetteredError,
  WORKER_FAILED: WorkerFailedError,
  BACKEND_UNAVAILABLE: BackendUnavailableError,
  OVERLOADED: OverloadedError,
  MODEL_UNAVAILABLE: ModelUnavailableError,
  MODEL_MISMATCH: GalleryModelMismatchError,
  WRONG_MODEL: WrongModelError,
  CONFIG_INVALID: ConfigInvalidError,
  NATIVE_MODULE_MISMATCH: NativeModuleMismatchError,
  QUEUE_LOST: QueueLostError,
  NO_FACE: NoFaceError,
};

/** The ScalefaceError subclass of `serialized.code`, with its message and retryability. */
export function rebuildError(serialized: SerializedError): ScalefaceError {
  const options: ScalefaceErrorOptions = {
    retryable: serialized.retryable,
    ...(serialized.cause === undefined ? {} : { cause: new Error(serialized.cause) }),
  };
  if (serialized.code === 'INTERNAL') return new ScalefaceError('INTERNAL', serialized.message, options);
  const ErrorClass = ERROR_CLASS_BY_CODE[serialized.code] as ErrorClass | undefined;
  if (ErrorClass === undefined) return new ScalefaceError('INTERNAL', serialized.message, options);
  return new ErrorClass(serialized.message, options);
}

/**
 * The embedding with every descriptor in a buffer of its own (so each can be transferred exactly once),
 * and the list of those buffers.
 */
export function transferableEmbedding(embedding: ImageEmbedding): { embedding: ImageEmbedding; buffers: ArrayBuffer[] } {
  const faces: EmbeddedFace[] = embedding.faces.map((face) => ({
    box: face.box,
    score: face.score,
    descriptor: Float32Array.from(face.descriptor),
  }));
  const buffers = faces.map((face) => face.descriptor.buffer as ArrayBuffer);
  return { embedding: { ...embedding, faces }, buffers };
}
