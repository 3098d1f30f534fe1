/**
 * `POST /v1/verifications` and `POST /v1/detections`: face-model tasks that go through the request queue and
 * the app-tier workers like a recognition (so they scale the same way), answered from the worker's reply; nothing
 * is written to the output bucket.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { InvalidInputError } from '../../domain/errors.js';
import type { DecodeAllowance } from '../../domain/image-structure.js';
import type { RecognitionReply } from '../../domain/messages.js';
import { readForm } from '../multipart-form.js';
import { admitRecognition } from '../plugins/upload-limits.js';
import type { FaceTask } from '../recognition-service.js';
import { readCheckedUpload } from '../recognize-upload.js';
import { errors, nullable, type TypedApp } from '../schemas.js';
import { checkDecodableImage } from '../upload-checks.js';
import { COLLECTION_PREFIXES, collectionOnlyParams, summaryIn, type CollectionPrefix } from './collection-prefixes.js';

const point = Type.Object({ x: Type.Number(), y: Type.Number() });
const answeredBy = {
  model: nullable(Type.Object({ name: Type.String(), kind: Type.String(), version: Type.String() })),
  inferenceMs: nullable(Type.Number({ description: 'Time in the model on the worker' })),
  worker: nullable(Type.String({ description: 'The app-tier instance that answered' })),
};

const verificationSchema = Type.Object({
  same: Type.Boolean({ description: 'distance ≤ threshold: the same person' }),
  distance: Type.Number({ description: "Descriptor distance between the source's largest face and the target's (a photo's largest face, or the subject's nearest example)" }),
  threshold: Type.Number({ description: "The configured rule's distance threshold (recognition.distanceThreshold)" }),
  faces: Type.Object({ source: Type.Integer(), target: Type.Optional(Type.Integer()) }, { description: 'Faces found in each photo; the largest is compared' }),
  ...answeredBy,
});

const detectionSchema = Type.Object({
  box: Type.Object({ x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() }, { description: 'Pixels of the image (after its EXIF orientation)' }),
  score: Type.Number({ description: 'Detector confidence, 0..1' }),
  quality: Type.Number({ description: "0..1: the detector's score times min(1, the face's shorter side / 150 px, the descriptor net's input); sharpness is not measured" }),
  landmarks: Type.Array(point, { description: "face-api's 68 points in dlib's order (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67)" }),
  keyPoints: Type.Array(point, { description: "5 points: the eyes' centers (image left, then right), the nose tip, the mouth corners (left, right)" }),
});

const detectionsSchema = Type.Object({ file: Type.String(), faces: Type.Array(detectionSchema, { description: 'Largest first; at most the 100 largest' }), ...answeredBy });

const VERIFICATION_FORM = {
  required: ['source'],
  parts: {
    source: { kind: 'file', description: 'The photo to verify (its largest face)' },
    target: { kind: 'file', description: 'A second photo (its largest face); or send subject instead' },
    subject: { kind: 'text', description: 'An enrolled subject (its nearest example); or send target instead' },
  },
} as const;

async function checkedPhoto(bytes: Buffer | undefined, field: string, allowance: DecodeAllowance): Promise<Buffer> {
  if (bytes === undefined) throw new InvalidInputError(`no file in field "${field}"`);
  try {
    await checkDecodableImage(bytes, allowance);
  } catch (error) {
    throw Object.assign(error as Error, { message: `${field}: ${(error as Error).message}` });
  }
  return bytes;
}

/** The verification the form asks for: a source photo, and a target photo or a subject (exactly one). */
async function verificationTask(request: FastifyRequest, app: TypedApp): Promise<FaceTask> {
  const form = await readForm(request, app.maxUploadBytes, { files: ['source', 'target'], texts: ['subject'] });
  const subject = form.texts.get('subject')?.trim();
  const hasTarget = form.files.has('target');
  if (hasTarget === (subject !== undefined && subject !== '')) {
    throw new InvalidInputError('send a second photo in field "target" or an enrolled subject\'s name in field "subject" (one of them)');
  }
  const source = await checkedPhoto(form.files.get('source'), 'source', app.decodeAllowance);
  if (!hasTarget) return { task: 'verify', source, subject: subject! };
  return { task: 'verify', source, target: await checkedPhoto(form.files.get('target'), 'target', app.decodeAllowance) };
}

function answeredByOf(reply: RecognitionReply) {
  return { model: reply.model ?? null, inferenceMs: reply.inferenceMs ?? null, worker: reply.worker ?? null };
}

function verificationRoute(app: TypedApp, prefix: CollectionPrefix): void {
  app.post(
    `${prefix.base}/verifications`,
    {
      onRequest: [app.authGuards.collection('recognize'), app.faceOnly],
      config: { multipartField: 'source', multipartForm: VERIFICATION_FORM, admission: 'recognition' },
      schema: {
        summary: summaryIn(prefix, 'Are two photos (or a photo and an enrolled subject) the same person? Through the app tier, like a recognition'),
        description: '422 NO_FACE names the photo without a face; 404 an unknown subject; 409 WRONG_MODEL under another model than face.',
        tags: ['faces'],
        ...collectionOnlyParams(prefix),
        response: { 200: verificationSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 422, 502, 503, 504) },
      },
    },
    async (request, reply) => {
      const task = await verificationTask(request, app);
      admitRecognition(app.admission, reply);
      const answer = await app.recognitionService.analyze(task, { traceId: request.id, collection: request.collection });
      return { ...answer.verification!, ...answeredByOf(answer) };
    },
  );
}

function detectionRoute(app: TypedApp, prefix: CollectionPrefix): void {
  app.post(
    `${prefix.base}/detections`,
    {
      onRequest: [app.authGuards.collection('recognize'), app.faceOnly],
      config: { multipartField: 'inputFile', admission: 'recognition' },
      schema: {
        summary: summaryIn(prefix, 'Every face in one photo with its box, landmarks and a quality score; no gallery. Through the app tier, like a recognition'),
        tags: ['faces'],
        ...collectionOnlyParams(prefix),
        response: { 200: detectionsSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 502, 503, 504) },
      },
    },
    async (request, reply) => {
      const upload = await readCheckedUpload(request, app.maxUploadBytes, app.decodeAllowance);
      admitRecognition(app.admission, reply);
      const answer = await app.recognitionService.analyze({ task: 'detect', source: upload.bytes }, { traceId: request.id });
      return { file: upload.fileName, faces: (answer.detections ?? []).map((face) => ({ ...face, landmarks: [...face.landmarks], keyPoints: [...face.keyPoints] })), ...answeredByOf(answer) };
    },
  );
}

/** `POST /v1/verifications` and `/v1/detections`, for the default collection and under `/v1/collections/{collection}`. */
export const faceTaskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const prefix of COLLECTION_PREFIXES) {
    verificationRoute(app, prefix);
    detectionRoute(app, prefix);
  }
};
