/**
 * TypeBox schemas shared by the routes: they validate, type the handlers (through the type provider), shape
 * the answers and feed the OpenAPI document. A few keep the JSON Schema spelling the document always had
 * (`type: [T, 'null']`, `enum`) instead of TypeBox's `anyOf`/`const`, through `nullable` and `stringEnum`
 * (src/domain/json-schema.ts, which the status document's schema uses too).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TUnsafe } from 'typebox';
import { nullable, stringEnum } from '../domain/json-schema.js';

export { nullable, stringEnum };

/** The app as route plugins see it: params, query, body and replies typed from their TypeBox schemas. */
export type TypedApp = Parameters<FastifyPluginAsyncTypebox>[0];

/** An object whose properties are not described (the OpenAPI document itself, free-form details). */
export function anyObject(options: { description?: string } = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, ...options });
}

const problemSchema = Type.Object({
  code: Type.String(),
  message: Type.String(),
  details: Type.Optional(anyObject({ description: 'Structured facts, e.g. per photo of a refused enrollment' })),
});

export const errorSchema = Type.Object({ error: problemSchema }, { description: 'Every error under /v1/' });

/** The error answers a route may give, by status. */
export function errors<const S extends readonly number[]>(...statuses: S): Record<`${S[number]}`, typeof errorSchema> {
  return Object.fromEntries(statuses.map((status) => [String(status), errorSchema])) as Record<`${S[number]}`, typeof errorSchema>;
}

export const faceSchema = Type.Object({
  box: Type.Object(
    { x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() },
    { description: 'Pixels of the uploaded image (after its EXIF orientation)' },
  ),
  score: Type.Number({ description: 'Detector confidence, 0..1' }),
  label: Type.String({ description: 'Subject name, or Unknown' }),
  distance: nullable(Type.Number({ description: 'Distance to the nearest example of the best subject' })),
  nearest: Type.Optional(Type.String({ description: 'The nearest subject, also when the face is Unknown (too far, or too close to a second subject)' })),
});

const labelScoreSchema = Type.Object({ label: Type.String(), score: Type.Number({ description: '0..1' }) });

const boxSchema = Type.Object({
  box: Type.Object({ x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() }, { description: 'Pixels of the uploaded image' }),
  label: Type.String(),
  score: Type.Number({ description: 'Detector confidence, 0..1' }),
});

const modelSchema = Type.Object(
  { name: Type.String(), kind: Type.String({ description: 'face, objects or custom' }), version: Type.String() },
  { description: 'The model that answered (null from workers older than models)' },
);

export const recognitionSchema = Type.Object({
  file: Type.String({ description: 'The file name as stored (made safe)' }),
  label: Type.String({ description: "The top label: the largest face's (or NoFace), the best object's (or NoObject), the best class" }),
  faces: Type.Array(faceSchema, { description: 'Face model only: every face with its subject and distance' }),
  // Optional: job records written by a build whose replies had no labels or boxes lack them.
  labels: Type.Optional(Type.Array(labelScoreSchema, { description: 'Every label with its score, best first' })),
  boxes: Type.Optional(Type.Array(boxSchema, { description: 'What the model located (faces, objects); empty for whole-image classifiers' })),
  model: Type.Optional(nullable(modelSchema)),
  inferenceMs: nullable(Type.Number()),
  worker: nullable(Type.String({ description: 'The app-tier instance that answered' })),
});

const bulkRefusalSchema = Type.Object({ file: Type.String(), subject: Type.Optional(Type.String()), reason: Type.String() });

/** A bulk enrollment's progress and outcome (kind enrollment), growing while it runs. */
export const bulkEnrollmentSchema = Type.Object({
  progress: Type.Object({
    photos: Type.Integer({ description: 'Photos to enroll (entries refused on arrival excluded)' }),
    processed: Type.Integer(),
    enrolled: Type.Integer(),
    refused: Type.Integer({ description: 'Entries refused so far, those refused on arrival included' }),
  }),
  subjects: Type.Array(Type.Object({ subject: Type.String(), enrolled: Type.Integer(), examples: nullable(Type.Integer({ description: 'Descriptors the subject has now' })) })),
  refused: Type.Array(bulkRefusalSchema, { description: 'Every entry not enrolled, with why' }),
});

export const jobSchema = Type.Object({
  id: Type.String(),
  kind: Type.Optional(stringEnum(['recognition', 'enrollment'], { description: 'Absent: recognition' })),
  status: stringEnum(['queued', 'running', 'succeeded', 'failed']),
  file: Type.String(),
  createdAt: Type.Number(),
  finishedAt: Type.Optional(Type.Number()),
  result: Type.Optional(recognitionSchema),
  enrollment: Type.Optional(bulkEnrollmentSchema),
  error: Type.Optional(problemSchema),
  collection: Type.Optional(Type.String({ description: 'The collection that answers it; absent: the default collection' })),
});

/**
 * The name's rules (Unicode letters and digits, NFC) are the domain's (validateSubjectName in
 * src/recognition/gallery-layout.ts), applied by the gallery: the route only bounds the length, so that the
 * API and the gallery accept the same names and refuse the rest with the same message.
 */
export const subjectNameParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256, description: '1..64 letters, digits, spaces or "_-." (Unicode, NFC)' }),
});

export const textSchema = Type.String();
