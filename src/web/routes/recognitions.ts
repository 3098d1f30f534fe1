import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { admitRecognition, type RecognitionInProgress } from '../plugins/upload-limits.js';
import { Type } from 'typebox';
import { DEFAULT_COLLECTION } from '../../domain/collections.js';
import { NotFoundError, StoppedWaitingError } from '../../domain/errors.js';
import { problemOf } from '../error-handler.js';
import type { Job } from '../job-store.js';
import { arrivalOf, readCheckedUpload, recognizeUpload, startUploadJob, type CheckedUpload, type RecognitionOutcome } from '../recognize-upload.js';
import { COLLECTION_PREFIXES, collectionOnlyParams, paramsWithCollection, summaryIn, type CollectionPrefix } from './collection-prefixes.js';
import { bulkJobView, type BulkJob } from '../bulk-enrollment.js';
import { errors, jobSchema, recognitionSchema, stringEnum, type TypedApp } from '../schemas.js';

const acceptedJobSchema = Type.Object({ id: Type.String(), status: stringEnum(['queued']) });

function jobLimitsText(app: TypedApp): string {
  const { maxJobs, ttlMs } = app.jobLimits;
  const ttlSeconds = Math.round(ttlMs / 1000);
  return `Jobs are kept by the web-tier process that accepted them (at most ${maxJobs} at once; when every kept job is `
    + `unfinished, new ones get 429) and written to the control bucket, so any web-tier process answers for them, also `
    + `after a restart; a finished job is kept ${ttlSeconds} s.`;
}

function jobView(job: Job<RecognitionOutcome>) {
  return {
    id: job.id,
    status: job.status,
    file: job.file,
    createdAt: job.createdAt,
    ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt }),
    ...(job.result === undefined ? {} : { result: job.result }),
    ...(job.error === undefined ? {} : { error: job.error }),
    ...(job.collection === undefined ? {} : { collection: job.collection }),
  };
}

/**
 * Stores the job's image and writes the accepted job's record, then runs it in the background without its bytes;
 * the record follows it (running, then succeeded or failed). Resolves once the image and first record are written.
 * A job this process stops waiting for (it shuts down) is left as recorded: its request stays queued, and its
 * result is read from the output bucket.
 */
async function startJob(app: TypedApp, job: Job<RecognitionOutcome>, upload: CheckedUpload, reply: FastifyReply, inProgress: RecognitionInProgress): Promise<void> {
  const { request } = reply;
  const persist = () => app.jobRecords?.save(job).catch((error: unknown) => request.log.warn({ jobId: job.id, err: error }, 'job record not written'));
  const call = { traceId: request.id, arrivedAt: arrivalOf(reply), log: request.log, onSubmitted: () => app.jobs.markRunning(job), collection: job.collection };
  let outcome: Promise<RecognitionOutcome>;
  try {
    ({ outcome } = await startUploadJob(app, upload, call));
  } catch (error) {
    app.jobs.fail(job, { code: problemOf(error).code, message: problemOf(error).message });
    throw error;
  }
  await persist();
  // The job stays in progress for the load-shedding rule until its result, not until its 202.
  outcome.finally(inProgress.keep()).then(
    (result) => {
      app.jobs.succeed(job, result);
      void persist();
    },
    (error: unknown) => {
      if (error instanceof StoppedWaitingError) {
        request.log.info({ jobId: job.id }, 'job left pending: the web tier stopped waiting for its answer');
        return;
      }
      // A failed job reads like an error answer: 5xx detail stays in the log.
      const problem = problemOf(error);
      app.jobs.fail(job, { code: problem.code, message: problem.message });
      void persist();
      request.log.warn({ jobId: job.id, code: problem.code, err: error }, 'job failed');
    },
  );
}

function jobRoutes(app: TypedApp, prefix: CollectionPrefix): void {
  app.post(
    `${prefix.base}/jobs`,
    {
      onRequest: app.authGuards.collection('recognize'),
      config: { multipartField: 'inputFile', admission: 'recognition' },
      schema: {
        summary: summaryIn(prefix, 'Queue one photo for recognition; poll GET /v1/jobs/{id} for the result'),
        description: jobLimitsText(app),
        tags: ['jobs'],
        ...collectionOnlyParams(prefix),
        response: { 202: acceptedJobSchema, ...errors(400, 401, 403, 404, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const upload = await readCheckedUpload(request, app.maxUploadBytes, app.decodeAllowance);
      const inProgress = admitRecognition(app.admission, reply);
      const job = app.jobs.create(upload.fileName, request.collection);
      await startJob(app, job, upload, reply, inProgress);
      const location = prefix.named ? `/v1/collections/${request.collection}/jobs/${job.id}` : `/v1/jobs/${job.id}`;
      return reply.status(202).header('location', location).send({ id: job.id, status: 'queued' });
    },
  );
  app.get(
    `${prefix.base}/jobs/:id`,
    {
      onRequest: app.authGuards.collection('recognize'),
      schema: {
        summary: summaryIn(prefix, 'A job: queued, running, succeeded (with result, or a bulk enrollment\'s progress and refusals in enrollment) or failed (with error)'),
        tags: ['jobs'],
        params: paramsWithCollection(prefix, { id: Type.String({ maxLength: 64 }) }),
        response: { 200: jobSchema, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const bulk = app.bulkJobs.get(request.params.id);
      if (bulk !== undefined && (bulk.collection ?? DEFAULT_COLLECTION) === request.collection) return bulkJobView(bulk as BulkJob);
      const job = app.jobs.get(request.params.id) ?? (await app.jobRecords?.load(request.params.id));
      // Another collection's job is not this collection's to show: its key may not read the other's results.
      if (job === undefined || (job.collection ?? DEFAULT_COLLECTION) !== request.collection) throw new NotFoundError(`no job ${request.params.id} (unknown, or expired)`);
      return jobView(job);
    },
  );
}

function recognitionRoute(app: TypedApp, prefix: CollectionPrefix): void {
  app.post(
    `${prefix.base}/recognitions`,
    {
      onRequest: app.authGuards.collection('recognize'),
      config: { multipartField: 'inputFile', admission: 'recognition' },
      schema: {
        summary: summaryIn(prefix, 'Recognize one photo and wait for the answer, with every face box'),
        tags: ['recognition'],
        ...collectionOnlyParams(prefix),
        response: { 200: recognitionSchema, ...errors(400, 401, 403, 404, 413, 415, 502, 503, 504) },
      },
    },
    async (request, reply) => {
      const upload = await readCheckedUpload(request, app.maxUploadBytes, app.decodeAllowance);
      admitRecognition(app.admission, reply);
      return recognizeUpload(app, upload, { traceId: request.id, arrivedAt: arrivalOf(reply), log: request.log, collection: request.collection });
    },
  );
}

/**
 * `POST /v1/recognitions` (wait for the answer) and `/v1/jobs` (answer at once, poll later), for the default
 * collection and under `/v1/collections/{collection}`; `GET /v1/jobs` lists every job (the deployment's admin).
 */
export const recognitionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const prefix of COLLECTION_PREFIXES) {
    recognitionRoute(app, prefix);
    jobRoutes(app, prefix);
  }
  app.get(
    '/v1/jobs',
    {
      onRequest: app.authGuards.admin,
      schema: { summary: 'Every job this web tier keeps (recognitions and bulk enrollments), newest first (admin)', tags: ['jobs'], response: { 200: Type.Object({ jobs: Type.Array(jobSchema) }), ...errors(401) } },
    },
    async () => {
      const jobs = [...app.jobs.list().map(jobView), ...app.bulkJobs.list().map((job) => bulkJobView(job as BulkJob))];
      return { jobs: jobs.sort((a, b) => b.createdAt - a.createdAt) };
    },
  );
};
