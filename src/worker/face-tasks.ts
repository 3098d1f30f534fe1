/**
 * The app tier's verify and detect tasks: the face model's analysis of one photo (and a verification's second
 * photo or subject). Their answers travel in the reply only: nothing is written to the output bucket, which holds
 * the course's recognition labels.
 */
import { NoFaceError, NotFoundError, ScalefaceError, WrongModelError } from '../domain/errors.js';
import type { RecognitionReply, RecognitionRequest } from '../domain/messages.js';
import type { FaceAnalysis, ImageModel } from '../ports/image-model.js';

/**
 * Faces a detection's reply carries, the largest first: about 2 KB each with their landmarks, so 100 stay well
 * inside the 256 KiB a queue message may hold (src/adapters/queue/limits.ts).
 */
export const MAX_DETECTIONS_IN_REPLY = 100;

export type TaskReply = Omit<RecognitionReply, 'v' | 'requestId' | 'key' | 'worker'>;

/** Reads the verification's second photo (its digest checked); undefined when another upload replaced it. */
export type TargetReader = () => Promise<Buffer | undefined>;

function analysisOf(model: ImageModel): FaceAnalysis {
  if (model.faces !== undefined) return model.faces;
  throw new WrongModelError(`verify and detect need the face model; this worker serves the ${model.describe().kind} model (start it with --model face)`);
}

/** Errors that are the request's answer (no face, unknown subject, another model), not a failure to retry. */
function isAnswer(error: unknown): error is ScalefaceError {
  return error instanceof NoFaceError || error instanceof NotFoundError || error instanceof WrongModelError;
}

async function runTask(model: ImageModel, request: RecognitionRequest, image: Buffer, readTarget: TargetReader): Promise<TaskReply> {
  const analysis = analysisOf(model);
  const about = { name: model.describe().name, kind: model.describe().kind, version: model.describe().version };
  if (request.task === 'detect') {
    const found = await analysis.detect(image);
    return { status: 'ok', detections: found.faces.slice(0, MAX_DETECTIONS_IN_REPLY), model: about, inferenceMs: found.inferenceMs };
  }
  let target: Buffer | undefined;
  if (request.subject === undefined) {
    target = await readTarget();
    if (target === undefined) return { status: 'conflict', error: { code: 'CONFLICT', message: 'input object changed' } };
  }
  const verdict = await analysis.verify(image, target === undefined ? { subject: request.subject!, ...(request.collection === undefined ? {} : { collection: request.collection }) } : { image: target });
  const { same, distance, threshold, faces } = verdict;
  return { status: 'ok', verification: { same, distance, threshold, faces }, model: about, inferenceMs: verdict.inferenceMs };
}

/** The task's reply; answers a request cannot change by retrying (no face, no such subject, another model) as `failed`. */
export async function faceTaskReply(model: ImageModel, request: RecognitionRequest, image: Buffer, readTarget: TargetReader): Promise<TaskReply> {
  try {
    return await runTask(model, request, image, readTarget);
  } catch (error) {
    if (!isAnswer(error)) throw error;
    return { status: 'failed', error: { code: error.code, message: error.message } };
  }
}
