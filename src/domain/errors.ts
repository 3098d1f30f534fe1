/**
 * The one error hierarchy of Scaleface. Every error has a stable `code`, an optional `cause`
 * and says whether retrying the same operation may succeed. HTTP statuses are assigned in one
 * place only: src/web/error-handler.ts.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'UNSUPPORTED_MEDIA'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'ORIGIN_NOT_ALLOWED'
  | 'HOST_NOT_ALLOWED'
  | 'TOO_MANY_EVENT_CLIENTS'
  | 'TOO_MANY_JOBS'
  | 'TIMEOUT'
  | 'DEAD_LETTERED'
  | 'WORKER_FAILED'
  | 'BACKEND_UNAVAILABLE'
  | 'OVERLOADED'
  | 'MODEL_UNAVAILABLE'
  | 'MODEL_MISMATCH'
  | 'WRONG_MODEL'
  | 'CONFIG_INVALID'
  | 'NATIVE_MODULE_MISMATCH'
  | 'QUEUE_LOST'
  | 'NO_FACE'
  | 'INTERNAL';

export interface ScalefaceErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /** Structured facts for the client (e.g. what happened to each photo of a refused enrollment). */
  details?: Readonly<Record<string, unknown>>;
  /** How long a client should wait before trying again (the web tier's `Retry-After`); only for retryable errors. */
  retryAfterSeconds?: number;
}

export class ScalefaceError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: ScalefaceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    if (options.details !== undefined) this.details = options.details;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * The base of one error class: a ScalefaceError of `code`, retryable by default or not (an option of the
 * constructor may still say otherwise). Each class below is its own type, so `instanceof` tells them apart.
 */
function errorOfCode(code: ErrorCode, defaults: { retryable?: boolean } = {}) {
  return class extends ScalefaceError {
    constructor(message: string, options?: ScalefaceErrorOptions) {
      super(code, message, { ...defaults, ...options });
    }
  };
}

export class InvalidInputError extends errorOfCode('INVALID_INPUT') {}

export class UnsupportedMediaError extends errorOfCode('UNSUPPORTED_MEDIA') {}

export class PayloadTooLargeError extends errorOfCode('PAYLOAD_TOO_LARGE') {}

export class NotFoundError extends errorOfCode('NOT_FOUND') {}

export class ConflictError extends errorOfCode('CONFLICT', { retryable: true }) {}

export class UnauthorizedError extends errorOfCode('UNAUTHORIZED') {}

/** A valid credential that does not grant what the request needs (an API key without the route's scope). */
export class ForbiddenError extends errorOfCode('FORBIDDEN') {}

/** A state-changing request sent by a page of another site (foreign Origin, Sec-Fetch-Site: cross-site). */
export class OriginNotAllowedError extends errorOfCode('ORIGIN_NOT_ALLOWED') {}

/** A request naming a host this service is not (what a DNS-rebinding page sends). */
export class HostNotAllowedError extends errorOfCode('HOST_NOT_ALLOWED') {}

/** The event stream has as many clients as it serves at once; the client may try again later. */
export class TooManyEventClientsError extends errorOfCode('TOO_MANY_EVENT_CLIENTS', { retryable: true }) {}

/** The web tier's job table is full of unfinished jobs; the client may try again later. */
export class TooManyJobsError extends errorOfCode('TOO_MANY_JOBS', { retryable: true }) {}

export class TimeoutError extends errorOfCode('TIMEOUT', { retryable: true }) {}

/**
 * The web tier stopped waiting for a request's answer because it is shutting down: the request stays on the
 * queue and a worker still answers it (the label reaches the output bucket). Nothing failed: an async job
 * interrupted this way stays pending and is completed later from the output bucket.
 */
export class StoppedWaitingError extends TimeoutError {}

export class DeadLetteredError extends errorOfCode('DEAD_LETTERED') {}

/** The app tier answered that it could not process the request. */
export class WorkerFailedError extends errorOfCode('WORKER_FAILED') {}

export class BackendUnavailableError extends errorOfCode('BACKEND_UNAVAILABLE', { retryable: true }) {}
/**
 * New work refused at once because taking it would break a bound: the request bodies held would pass the memory
 * budget, or the predicted wait for an answer passes what a client is promised (src/web/admission.ts).
 */
export class OverloadedError extends errorOfCode('OVERLOADED', { retryable: true }) {}

/**
 * The compute backend refused to start instances for lack of quota or capacity (EC2's InstanceLimitExceeded,
 * InsufficientInstanceCapacity, ...): trying again at once fails the same way, so the autoscaler backs off launching.
 */
export class CapacityExceededError extends BackendUnavailableError {}

export class ModelUnavailableError extends errorOfCode('MODEL_UNAVAILABLE') {}

/**
 * The gallery was enrolled with another model (or an unknown one): its descriptors cannot be compared with
 * this process's. Not retryable: the gallery must be re-enrolled (`scaleface gallery reindex`).
 */
export class GalleryModelMismatchError extends errorOfCode('MODEL_MISMATCH') {}

/**
 * The request only makes sense for another model than the one this deployment serves (enrollment and subjects
 * exist for the face model only). Not retryable: the deployment's model must change.
 */
export class WrongModelError extends errorOfCode('WRONG_MODEL') {}

/** A photo of a verification or a detection's answer needs a face where the detector found none (names the photo). */
export class NoFaceError extends errorOfCode('NO_FACE') {}

export class ConfigInvalidError extends errorOfCode('CONFIG_INVALID') {}

/**
 * `up` found no request queue while the buckets hold work that must have been on it (an emptied or removed
 * queue database): starting would forget that work silently. The message says what was found and how to go on.
 */
export class QueueLostError extends errorOfCode('QUEUE_LOST') {}

/** The exit code of `up` refused with QueueLostError (EX_DATAERR: the data it found is inconsistent). */
export const EXIT_QUEUE_LOST = 65;

/**
 * A native module (a `.node` file) was built for another Node's ABI: every start fails the same way until it is
 * rebuilt for this Node. Built by nativeModuleMismatch (native-modules.ts), which names the module and the fix.
 */
export class NativeModuleMismatchError extends errorOfCode('NATIVE_MODULE_MISMATCH') {}

/**
 * System error codes that say the machine failed (disk, file table, device, network, database lock,
 * permissions of its storage), not the request: retried later, and described without the path or statement
 * the original message holds. A permission fault (EACCES, EPERM: a folder made read-only or immutable, a
 * changed owner) is the operator's to fix and passes when fixed; until then the request waits, it is not failed.
 */
const RESOURCE_FAULTS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied by the storage',
  EPERM: 'operation not permitted by the storage',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
  EAGAIN: 'resource temporarily unavailable',
  ETIMEDOUT: 'operation timed out',
  ECONNRESET: 'connection reset',
  ECONNREFUSED: 'connection refused',
  EROFS: 'read-only file system',
  SQLITE_BUSY: 'the queue database is busy',
  SQLITE_LOCKED: 'the queue database is locked',
  SQLITE_FULL: 'the queue database or its disk is full',
  SQLITE_IOERR: 'queue database input/output error',
};

function resourceFault(error: unknown): ScalefaceError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const known = RESOURCE_FAULTS[code] ?? (code.startsWith('SQLITE_IOERR') ? RESOURCE_FAULTS.SQLITE_IOERR : undefined);
  return known === undefined ? undefined : new BackendUnavailableError(`${known} (${code})`, { cause: error, retryable: true });
}

/**
 * Whether `error` says a backend is unavailable for a while (a resource fault, a network error, throttling):
 * the operation may succeed as it is when tried again later.
 */
export function isPassingFault(error: unknown): boolean {
  const scaleface = asScalefaceError(error);
  return scaleface.code === 'BACKEND_UNAVAILABLE' && scaleface.retryable;
}

/** Any thrown value as a ScalefaceError: resource faults become retryable BACKEND_UNAVAILABLE, the rest INTERNAL. */
export function asScalefaceError(error: unknown): ScalefaceError {
  if (error instanceof ScalefaceError) return error;
  const fault = resourceFault(error);
  if (fault !== undefined) return fault;
  const message = error instanceof Error ? error.message : String(error);
  return new ScalefaceError('INTERNAL', message, { cause: error });
}
