import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DecodeAllowance } from '../domain/image-structure.js';
import type { RecognitionReply, ReplyBox, ReplyFace, ReplyLabel, ReplyModel } from '../domain/messages.js';
import { readSingleFile } from './multipart.js';
import { safeFileName } from '../domain/naming.js';
import { checkDecodableImage } from './upload-checks.js';

/** What `POST /v1/recognitions` answers and a succeeded job holds. */
export interface RecognitionOutcome {
  readonly file: string;
  readonly label: string;
  readonly faces: ReplyFace[];
  readonly labels: ReplyLabel[];
  readonly boxes: ReplyBox[];
  readonly model: ReplyModel | null;
  readonly inferenceMs: number | null;
  readonly worker: string | null;
}

export interface CheckedUpload {
  /** A safe base name: the key in the input bucket. */
  readonly fileName: string;
  readonly bytes: Buffer;
}

/**
 * Reads the one image of field `inputFile` and refuses what is not a decodable image, or declares more pixels
 * than its bytes may buy (4xx).
 */
export async function readCheckedUpload(request: FastifyRequest, maxBytes: number, allowance: DecodeAllowance): Promise<CheckedUpload> {
  const upload = await readSingleFile(request, 'inputFile', maxBytes);
  await checkDecodableImage(upload.bytes, allowance);
  return { fileName: safeFileName(upload.fileName), bytes: upload.bytes };
}

export interface RecognizeContext {
  /** The request id; it travels to the worker as `traceId`. */
  readonly traceId: string;
  /** performance.now() when the request arrived (arrivalOf): its answer time is measured from there. */
  readonly arrivedAt: number;
  readonly log: FastifyBaseLogger;
  /** Called once the request is on the request queue. */
  readonly onSubmitted?: () => void;
  /** Whose gallery names the faces (default: the default collection). */
  readonly collection?: string;
}

type Services = Pick<FastifyInstance, 'recognitionService' | 'metrics'>;

/** When a request arrived, on performance.now()'s clock: Fastify's reply clock starts as the request comes in. */
export function arrivalOf(reply: FastifyReply): number {
  return performance.now() - reply.elapsedTime;
}

/** Sends a checked upload through the app tier, counts it in the metrics and logs the answer. */
export function recognizeUpload(services: Services, upload: CheckedUpload, call: RecognizeContext): Promise<RecognitionOutcome> {
  const options = { traceId: call.traceId, onSubmitted: call.onSubmitted, collection: call.collection };
  return outcomeOf(services, upload.fileName, services.recognitionService.recognize(upload.fileName, upload.bytes, options), call);
}

/**
 * An async job of a checked upload: resolves once the image is stored (the caller may drop the bytes then);
 * `outcome` settles with the app tier's answer, counted and logged as recognizeUpload's.
 */
export async function startUploadJob(services: Services, upload: CheckedUpload, call: RecognizeContext): Promise<{ outcome: Promise<RecognitionOutcome> }> {
  const options = { traceId: call.traceId, onSubmitted: call.onSubmitted, collection: call.collection };
  const { result } = await services.recognitionService.startJob(upload.fileName, upload.bytes, options);
  return { outcome: outcomeOf(services, upload.fileName, result, call) };
}

async function outcomeOf(services: Services, file: string, replied: Promise<RecognitionReply>, call: RecognizeContext): Promise<RecognitionOutcome> {
  const { metrics } = services;
  let reply;
  try {
    reply = await replied;
  } catch (error) {
    metrics.observeRecognition('failed');
    throw error;
  }
  metrics.observeRecognition('ok', reply.inferenceMs, performance.now() - call.arrivedAt);
  const outcome: RecognitionOutcome = {
    file,
    label: reply.label ?? 'Unknown',
    faces: [...(reply.faces ?? [])],
    labels: [...(reply.labels ?? [])],
    boxes: [...(reply.boxes ?? [])],
    model: reply.model ?? null,
    inferenceMs: reply.inferenceMs ?? null,
    worker: reply.worker ?? null,
  };
  call.log.debug({ file: outcome.file, label: outcome.label, worker: outcome.worker, inferenceMs: outcome.inferenceMs }, 'recognized');
  return outcome;
}
