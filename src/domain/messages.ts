import { DEFAULT_COLLECTION, validateCollectionName } from './collections.js';
import { InvalidInputError } from './errors.js';

/** What the web tier puts on the request queue: references only, never image bytes (fits 1 KB SQS queues). */
export interface RecognitionRequest {
  readonly v: 1;
  readonly requestId: string;
  /** Key of the image in the input bucket: the uploaded file name. */
  readonly key: string;
  /** SHA-256 (hex) of the uploaded bytes; a worker that reads other bytes under `key` replies `conflict`. */
  readonly sha256: string;
  /** Name of the reply queue of the web-tier instance that waits for the answer. */
  readonly replyTo: string;
  readonly submittedAt: number;
  /** The web tier's request id (from `x-request-id` or generated), logged by the worker and echoed in its reply. */
  readonly traceId?: string;
  /** The collection whose gallery names the faces (src/domain/collections.ts); absent: the default collection. */
  readonly collection?: string;
  /** What to do with the image; absent (messages of older web tiers): recognize. */
  readonly task?: TaskKind;
  /** A verification's second photo in the input bucket, and its SHA-256 (verify only; else `subject`). */
  readonly targetKey?: string;
  readonly targetSha256?: string;
  /** A verification against an enrolled subject instead of a second photo. */
  readonly subject?: string;
}

/**
 * recognize: name every face from the gallery, write the top label to the output bucket (the course's contract);
 * verify and detect answer in the reply only (nothing is written to the output bucket).
 */
/** Where the web tier puts a verify or detect task's photos in the input bucket (uploads are base names: no `/`). */
export const TASK_INPUTS_PREFIX = 'tasks/';

export const TASK_KINDS = ['recognize', 'verify', 'detect'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

const REPLY_STATUSES = ['ok', 'failed', 'conflict', 'dead-lettered'] as const;

export type ReplyStatus = (typeof REPLY_STATUSES)[number];

export interface ReplyFace {
  readonly box: { x: number; y: number; width: number; height: number };
  readonly score: number;
  readonly label: string;
  readonly distance: number | null;
  /** The nearest subject, also for an `Unknown` face (absent with an empty gallery, and from older workers). */
  readonly nearest?: string;
}

/** A label and its score (a class probability, a detector score). */
export interface ReplyLabel {
  readonly label: string;
  readonly score: number;
}

/** A region the model named (an object, a face), in pixels of the image. */
export interface ReplyBox extends ReplyLabel {
  readonly box: { x: number; y: number; width: number; height: number };
}

/** The model that answered (see src/ports/image-model.ts). */
export interface ReplyModel {
  readonly name: string;
  readonly kind: string;
  readonly version: string;
}

/** What a worker (or the dead-letter notifier) puts on the requester's reply queue. */
export interface RecognitionReply {
  readonly v: 1;
  readonly requestId: string;
  readonly key: string;
  readonly status: ReplyStatus;
  readonly label?: string;
  readonly faces?: readonly ReplyFace[];
  /** Every label with its score, best first. */
  readonly labels?: readonly ReplyLabel[];
  readonly boxes?: readonly ReplyBox[];
  readonly model?: ReplyModel;
  readonly error?: { code: string; message: string };
  readonly worker?: string;
  readonly inferenceMs?: number;
  /** What this answer cost its worker, in ms (src/worker/service-clock.ts): the autoscaler's measured service time. */
  readonly serviceMs?: number;
  /** The request's traceId, echoed. */
  readonly traceId?: string;
  /** A verify task's answer. */
  readonly verification?: ReplyVerification;
  /** A detect task's answer: every face, largest first. */
  readonly detections?: readonly ReplyDetection[];
}

export interface ReplyVerification {
  readonly same: boolean;
  readonly distance: number;
  readonly threshold: number;
  readonly faces: { readonly source: number; readonly target?: number };
}

export interface ReplyDetection {
  readonly box: { x: number; y: number; width: number; height: number };
  readonly score: number;
  readonly quality: number;
  readonly landmarks: readonly { x: number; y: number }[];
  readonly keyPoints: readonly { x: number; y: number }[];
}

function parseObject(body: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new InvalidInputError(`${what} is not JSON`, { cause: error });
  }
  if (typeof value !== 'object' || value === null) throw new InvalidInputError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function requireString(obj: Record<string, unknown>, field: string, what: string): string {
  const v = obj[field];
  if (typeof v !== 'string' || v.length === 0) throw new InvalidInputError(`${what} lacks ${field}`);
  return v;
}

export function parseRecognitionRequest(body: string): RecognitionRequest {
  const obj = parseObject(body, 'request message');
  return {
    v: 1,
    requestId: requireString(obj, 'requestId', 'request message'),
    key: requireString(obj, 'key', 'request message'),
    sha256: requireString(obj, 'sha256', 'request message'),
    replyTo: requireString(obj, 'replyTo', 'request message'),
    submittedAt: typeof obj.submittedAt === 'number' ? obj.submittedAt : 0,
    ...(typeof obj.traceId === 'string' && obj.traceId.length > 0 ? { traceId: obj.traceId.slice(0, 128) } : {}),
    ...collectionOf(obj),
    ...taskFieldsOf(obj),
  };
}

/** A message without a collection (from a web tier older than collections) means the default one. */
function collectionOf(obj: Record<string, unknown>): { collection?: string } {
  if (obj.collection === undefined || obj.collection === DEFAULT_COLLECTION) return {};
  if (typeof obj.collection !== 'string') throw new InvalidInputError('request message: collection is not a string');
  return { collection: validateCollectionName(obj.collection) };
}

/** The task and its references; a verification names its target (a second photo with its digest, or a subject). */
function taskFieldsOf(obj: Record<string, unknown>): Pick<RecognitionRequest, 'task' | 'targetKey' | 'targetSha256' | 'subject'> {
  const what = 'request message';
  if (obj.task === undefined || obj.task === 'recognize') return {};
  if (!TASK_KINDS.includes(obj.task as TaskKind)) throw new InvalidInputError(`${what}: task must be one of ${TASK_KINDS.join(', ')}`);
  if (obj.task === 'detect') return { task: 'detect' };
  if (typeof obj.subject === 'string' && obj.subject.length > 0) return { task: 'verify', subject: obj.subject };
  return { task: 'verify', targetKey: requireString(obj, 'targetKey', what), targetSha256: requireString(obj, 'targetSha256', what) };
}

type Check = (value: unknown) => boolean;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number';
const arrayOf = (check: Check): Check => (v) => Array.isArray(v) && v.every(check);
const isBox: Check = (v) => isRecord(v) && ['x', 'y', 'width', 'height'].every((k) => isNumber(v[k]));
const isPoint: Check = (v) => isRecord(v) && isNumber(v.x) && isNumber(v.y);
const isLabel: Check = (v) => isRecord(v) && isString(v.label) && isNumber(v.score);
const isRegion: Check = (v) => isLabel(v) && isRecord(v) && isBox(v.box);
const isFace: Check = (v) => isRegion(v) && isRecord(v) && (v.distance === null || isNumber(v.distance)) && (v.nearest === undefined || isString(v.nearest));

/** Each optional field of a reply, what it must be, and how a refusal names that. */
const OPTIONAL_REPLY_FIELDS: Readonly<Record<string, { check: Check; is: string }>> = {
  label: { check: isString, is: 'a string' },
  faces: { check: arrayOf(isFace), is: 'a list of faces ({box, score, label, distance[, nearest]})' },
  labels: { check: arrayOf(isLabel), is: 'a list of {label, score}' },
  boxes: { check: arrayOf(isRegion), is: 'a list of {box, score, label}' },
  model: { check: (v) => isRecord(v) && isString(v.name) && isString(v.kind) && isString(v.version), is: 'a model ({name, kind, version})' },
  error: { check: (v) => isRecord(v) && isString(v.code) && isString(v.message), is: 'an error ({code, message})' },
  worker: { check: isString, is: 'a string' },
  inferenceMs: { check: isNumber, is: 'a number' },
  serviceMs: { check: isNumber, is: 'a number' },
  traceId: { check: isString, is: 'a string' },
  verification: {
    check: (v) => isRecord(v) && typeof v.same === 'boolean' && isNumber(v.distance) && isNumber(v.threshold) && isRecord(v.faces),
    is: 'a verification ({same, distance, threshold, faces})',
  },
  detections: {
    check: arrayOf((v) => isRecord(v) && isBox(v.box) && isNumber(v.score) && isNumber(v.quality) && arrayOf(isPoint)(v.landmarks) && arrayOf(isPoint)(v.keyPoints)),
    is: 'a list of detections ({box, score, quality, landmarks, keyPoints})',
  },
};

/** A reply checked field by field: a malformed one is an InvalidInputError naming its field; unknown fields are dropped. */
export function parseRecognitionReply(body: string): RecognitionReply {
  const what = 'reply message';
  const obj = parseObject(body, what);
  if (Array.isArray(obj)) throw new InvalidInputError(`${what} is not an object`);
  if (obj.v !== 1) throw new InvalidInputError(`${what}: v must be 1, got ${JSON.stringify(obj.v)}`);
  const requestId = requireString(obj, 'requestId', what);
  const key = requireString(obj, 'key', what);
  const status = obj.status as ReplyStatus;
  if (!REPLY_STATUSES.includes(status)) throw new InvalidInputError(`${what}: status must be one of ${REPLY_STATUSES.join(', ')}`);
  const reply: Record<string, unknown> = { v: 1, requestId, key, status };
  for (const [field, { check, is }] of Object.entries(OPTIONAL_REPLY_FIELDS)) {
    if (obj[field] === undefined) continue;
    if (!check(obj[field])) throw new InvalidInputError(`${what}: ${field} is not ${is}`);
    reply[field] = obj[field];
  }
  return reply as unknown as RecognitionReply;
}

/** `test_000.jpg` → `test_000`: the output bucket's key and the answer's prefix. */
export function stemOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}
