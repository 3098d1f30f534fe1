import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../../domain/errors.js';
import type { WebContext } from '../context.js';
import { readAllFiles } from '../multipart.js';
import { errors, subjectNameParams } from '../schemas.js';
import { checkDecodableImage, safeFileName } from '../upload-checks.js';

const MAX_PHOTOS_PER_REQUEST = 50;

const subjectSchema = {
  type: 'object',
  required: ['name', 'photos', 'descriptors'],
  properties: { name: { type: 'string' }, photos: { type: 'integer' }, descriptors: { type: 'integer' } },
} as const;

const enrollmentSchema = {
  type: 'object',
  required: ['subject', 'examples', 'photos'],
  properties: {
    subject: { type: 'string' },
    examples: { type: 'integer', description: 'Descriptors the subject has now' },
    photos: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          fileName: { type: 'string' },
          key: { type: 'string' },
          faces: { type: 'integer', description: 'Faces found in the photo' },
          face: {
            type: 'object',
            description: 'The enrolled face (the largest), in pixels of the photo, with the detector score',
            properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number' }, height: { type: 'number' }, score: { type: 'number' } },
          },
          note: { type: 'string', description: 'Said when the photo had several faces' },
          examples: { type: 'integer', description: 'Descriptors stored for this photo (it and its degraded copies)' },
        },
      },
    },
  },
} as const;

/** Enrollment (admin): `GET /v1/subjects`, `POST /v1/subjects/{name}/examples` (multipart photos), `DELETE /v1/subjects/{name}`. */
export function subjectsRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps, guards } = ctx;
  app.get(
    '/v1/subjects',
    {
      onRequest: guards.admin,
      schema: {
        summary: 'Enrolled subjects with their photo and descriptor counts',
        tags: ['subjects'],
        response: { 200: { type: 'object', required: ['subjects'], properties: { subjects: { type: 'array', items: subjectSchema } } }, ...errors(401) },
      },
    },
    async () => ({ subjects: await deps.subjects.listSubjects() }),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/subjects/:name/examples',
    {
      onRequest: guards.admin,
      config: { multipartField: 'photos', multipartMany: true },
      schema: {
        summary: 'Add example photos to a subject (created when new); all or nothing: a refusal lists every photo in error.details.photos',
        tags: ['subjects'],
        params: subjectNameParams,
        response: { 201: enrollmentSchema, ...errors(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      const files = await readAllFiles(request, deps.maxUploadBytes, MAX_PHOTOS_PER_REQUEST);
      const photos = [];
      for (const file of files) {
        try {
          await checkDecodableImage(file.bytes);
        } catch (error) {
          throw new InvalidInputError(`${safeFileName(file.fileName)}: ${(error as Error).message}`, { cause: error });
        }
        photos.push({ fileName: safeFileName(file.fileName), bytes: file.bytes });
      }
      const result = await deps.subjects.addExamples(request.params.name, photos);
      return reply.status(201).send(result);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/subjects/:name',
    {
      onRequest: guards.admin,
      schema: {
        summary: "Delete a subject and its photos",
        tags: ['subjects'],
        params: subjectNameParams,
        response: {
          200: { type: 'object', required: ['subject', 'removedPhotos'], properties: { subject: { type: 'string' }, removedPhotos: { type: 'integer' } } },
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) => deps.subjects.removeSubject(request.params.name),
  );
}
