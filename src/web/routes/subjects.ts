import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { InvalidInputError } from '../../domain/errors.js';
import { safeFileName } from '../../domain/naming.js';
import { MAX_PHOTOS_PER_ENROLLMENT } from '../../domain/upload-limits.js';
import { readAllFiles } from '../multipart.js';
import { errors, subjectNameParams, type TypedApp } from '../schemas.js';
import { COLLECTION_PREFIXES, collectionOnlyParams, paramsWithCollection, summaryIn, type CollectionPrefix } from './collection-prefixes.js';
import type { DecodeAllowance } from '../../domain/image-structure.js';
import { checkDecodableImage } from '../upload-checks.js';
import { THUMBNAIL_PIXELS, thumbnailOf } from '../thumbnails.js';


const subjectSchema = Type.Object({ name: Type.String(), photos: Type.Integer(), descriptors: Type.Integer() });

const enrolledPhotoSchema = Type.Object({
  fileName: Type.Optional(Type.String()),
  key: Type.Optional(Type.String()),
  faces: Type.Optional(Type.Integer({ description: 'Faces found in the photo' })),
  face: Type.Optional(
    Type.Object(
      {
        x: Type.Optional(Type.Number()),
        y: Type.Optional(Type.Number()),
        width: Type.Optional(Type.Number()),
        height: Type.Optional(Type.Number()),
        score: Type.Optional(Type.Number()),
      },
      { description: 'The enrolled face (the largest), in pixels of the photo, with the detector score' },
    ),
  ),
  note: Type.Optional(Type.String({ description: 'Said when the photo had several faces' })),
  examples: Type.Optional(Type.Integer({ description: 'Descriptors stored for this photo (it and its degraded copies)' })),
});

const enrollmentSchema = Type.Object({
  subject: Type.String(),
  examples: Type.Integer({ description: 'Descriptors the subject has now' }),
  photos: Type.Array(enrolledPhotoSchema),
});

const removalSchema = Type.Object({ subject: Type.String(), removedPhotos: Type.Integer() });

/** Reads the photos of field `photos`; a photo that is not a decodable image refuses the whole request, naming it. */
async function readCheckedPhotos(request: Parameters<typeof readAllFiles>[0], maxUploadBytes: number, allowance: DecodeAllowance) {
  const files = await readAllFiles(request, maxUploadBytes, MAX_PHOTOS_PER_ENROLLMENT);
  const photos = [];
  for (const file of files) {
    try {
      await checkDecodableImage(file.bytes, allowance);
    } catch (error) {
      throw new InvalidInputError(`${safeFileName(file.fileName)}: ${(error as Error).message}`, { cause: error });
    }
    photos.push({ fileName: safeFileName(file.fileName), bytes: file.bytes });
  }
  return photos;
}

function thumbnailRoute(app: TypedApp, prefix: CollectionPrefix): void {
  app.get(
    `${prefix.base}/subjects/:name/thumbnail`,
    {
      onRequest: [app.authGuards.collection('enroll'), app.faceOnly],
      schema: {
        summary: summaryIn(prefix, `A ${THUMBNAIL_PIXELS}×${THUMBNAIL_PIXELS} JPEG of one of the subject's enrolled photos`),
        tags: ['subjects'],
        params: paramsWithCollection(prefix, subjectNameParams.properties),
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'image/jpeg' }), ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request, reply) => {
      const picture = await thumbnailOf(await app.subjectsOf(request.collection).subjectPhoto(request.params.name));
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=60').send(picture);
    },
  );
}

function enrollmentRoute(app: TypedApp, prefix: CollectionPrefix): void {
  app.post(
    `${prefix.base}/subjects/:name/examples`,
    {
      onRequest: [app.authGuards.collection('enroll'), app.faceOnly],
      config: { multipartField: 'photos', multipartMany: true, admission: 'enrollment' },
      schema: {
        summary: summaryIn(prefix, 'Add example photos to a subject (created when new); all or nothing: a refusal lists every photo in error.details.photos'),
        tags: ['subjects'],
        params: paramsWithCollection(prefix, subjectNameParams.properties),
        response: { 201: enrollmentSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const photos = await readCheckedPhotos(request, app.maxUploadBytes, app.decodeAllowance);
      const result = await app.subjectsOf(request.collection).addExamples(request.params.name, photos);
      return reply.status(201).send({ ...result, photos: [...result.photos] });
    },
  );
}

function subjectListRoutes(app: TypedApp, prefix: CollectionPrefix): void {
  app.get(
    `${prefix.base}/subjects`,
    {
      onRequest: [app.authGuards.collection('enroll'), app.faceOnly],
      schema: {
        summary: summaryIn(prefix, 'Enrolled subjects with their photo and descriptor counts'),
        tags: ['subjects'],
        ...collectionOnlyParams(prefix),
        response: { 200: Type.Object({ subjects: Type.Array(subjectSchema) }), ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => ({ subjects: await app.subjectsOf(request.collection).listSubjects() }),
  );
  app.delete(
    `${prefix.base}/subjects/:name`,
    {
      onRequest: [app.authGuards.collection('admin'), app.faceOnly],
      schema: {
        summary: summaryIn(prefix, 'Delete a subject and its photos'),
        tags: ['subjects'],
        params: paramsWithCollection(prefix, subjectNameParams.properties),
        response: { 200: removalSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => app.subjectsOf(request.collection).removeSubject(request.params.name),
  );
}

/**
 * Enrollment: `GET /v1/subjects`, `POST /v1/subjects/{name}/examples` (multipart photos), `DELETE /v1/subjects/{name}`,
 * the thumbnail; the same under `/v1/collections/{collection}`.
 */
export const subjectsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const prefix of COLLECTION_PREFIXES) {
    subjectListRoutes(app, prefix);
    enrollmentRoute(app, prefix);
    thumbnailRoute(app, prefix);
  }
};
