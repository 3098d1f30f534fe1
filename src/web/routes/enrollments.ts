/**
 * `POST /v1/enrollments`: many subjects in one request, enrolled as an async job whose progress and per-photo
 * refusals `GET /v1/jobs/{id}` shows. Registered under `/v1` (relative paths), so that a collection prefix can
 * register it again.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DEFAULT_COLLECTION } from '../../domain/collections.js';
import { TooManyJobsError } from '../../domain/errors.js';
import { MAX_BULK_ENROLLMENT_BYTES, MAX_PHOTOS_PER_BULK_ENROLLMENT } from '../../domain/upload-limits.js';
import { asBulkJob, runBulkEnrollment } from '../bulk-enrollment.js';
import { readBulkUpload } from '../bulk-upload.js';
import { errors, stringEnum, type TypedApp } from '../schemas.js';
import { COLLECTION_PREFIXES, collectionOnlyParams, summaryIn, type CollectionPrefix } from './collection-prefixes.js';

/** Bulk enrollments one web process runs or holds at once: each holds up to MAX_BULK_ENROLLMENT_BYTES of photos. */
export const MAX_UNFINISHED_BULK_JOBS = 2;

const acceptedSchema = Type.Object({
  id: Type.String(),
  status: stringEnum(['queued']),
  photos: Type.Integer({ description: 'Photos to enroll' }),
  refused: Type.Integer({ description: 'Entries refused on arrival (see the job for which and why)' }),
});

const BULK_FORM = {
  required: [],
  parts: {
    photos: { kind: 'files', description: 'Photos named <subject>/<photo> (curl -F "photos=@ann1.jpg;filename=Ann/1.jpg")' },
    archive: { kind: 'file', description: 'Or one tar / tar.gz with a folder per subject (optionally inside one top folder); zip is not read' },
  },
} as const;

function unfinishedBulkJobs(app: TypedApp): number {
  return app.bulkJobs.list().filter((job) => job.finishedAt === undefined).length;
}

function bulkEnrollmentRoute(app: TypedApp, prefix: CollectionPrefix): void {
  app.post(
    `${prefix.base}/enrollments`,
    {
      onRequest: [app.authGuards.collection('enroll'), app.faceOnly],
      config: { multipartField: 'photos', multipartForm: BULK_FORM, admission: 'enrollment' },
      schema: {
        summary: summaryIn(prefix, 'Enroll many subjects in one request, as an async job; poll GET /v1/jobs/{id} for progress and per-photo refusals'),
        description: `At most ${MAX_PHOTOS_PER_BULK_ENROLLMENT} photos and ${MAX_BULK_ENROLLMENT_BYTES} bytes (an archive once decompressed) per request; `
          + `archives whose paths climb ("..") or start at "/", or that hold links or devices, are refused as a whole. `
          + `At most ${MAX_UNFINISHED_BULK_JOBS} bulk enrollments run or wait per web process (429 beyond). A photo is enrolled as `
          + 'POST /v1/subjects/{name}/examples would enroll it alone; a refused photo refuses only itself. The job lives in the memory of the web process that accepted it.',
        tags: ['subjects'],
        ...collectionOnlyParams(prefix),
        response: { 202: acceptedSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      if (unfinishedBulkJobs(app) >= MAX_UNFINISHED_BULK_JOBS) {
        throw new TooManyJobsError(`${MAX_UNFINISHED_BULK_JOBS} bulk enrollments are still running on this web process; try again when one is done`);
      }
      const upload = await readBulkUpload(request, app.maxUploadBytes);
      const job = asBulkJob(app.bulkJobs.create('bulk enrollment', request.collection), upload);
      const bytes = upload.photos.reduce((sum, photo) => sum + photo.bytes.length, 0);
      // The photos stay in memory until enrolled: they are held in the body budget (once this request's hold ends).
      void app.admission.acquireBody(bytes).then(async (hold) => {
        try {
          await runBulkEnrollment(job, upload.photos, { subjects: app.subjectsOf(request.collection), allowance: app.decodeAllowance });
        } finally {
          hold.release();
        }
        request.log.info({ jobId: job.id, ...job.progress }, 'bulk enrollment done');
      });
      const accepted = { id: job.id, status: 'queued' as const, photos: upload.photos.length, refused: upload.refused.length };
      return reply.status(202).header('location', `${jobsBase(request.collection)}/${job.id}`).send(accepted);
    },
  );
}

function jobsBase(collection: string): string {
  return collection === DEFAULT_COLLECTION ? '/v1/jobs' : `/v1/collections/${collection}/jobs`;
}

/** `POST /v1/enrollments`, for the default collection and under `/v1/collections/{collection}`. */
export const enrollmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const prefix of COLLECTION_PREFIXES) bulkEnrollmentRoute(app, prefix);
};
