import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../domain/errors.js';
import type { WebContext } from '../context.js';
import { problemOf } from '../error-handler.js';
import { DEFAULT_JOB_TTL_MS, DEFAULT_MAX_JOBS, type Job } from '../job-store.js';
import { readCheckedUpload, recognizeUpload, type RecognitionOutcome } from '../recognize-upload.js';
import { errors, jobSchema, recognitionSchema } from '../schemas.js';

const jobIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

function jobLimitsText(ctx: WebContext): string {
  const maxJobs = ctx.deps.jobs?.maxJobs ?? DEFAULT_MAX_JOBS;
  const ttlSeconds = Math.round((ctx.deps.jobs?.ttlMs ?? DEFAULT_JOB_TTL_MS) / 1000);
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
  };
}

/** `POST /v1/recognitions` (wait for the answer) and `/v1/jobs` (answer at once, poll later). */
export function recognitionRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.post(
    '/v1/recognitions',
    {
      onRequest: ctx.guards.upload,
      config: { multipartField: 'inputFile' },
      schema: {
        summary: 'Recognize one photo and wait for the answer, with every face box',
        tags: ['recognition'],
        response: { 200: recognitionSchema, ...errors(400, 401, 413, 415, 502, 503, 504) },
      },
    },
    async (request) => {
      const upload = await readCheckedUpload(request, ctx.deps.maxUploadBytes);
      return recognizeUpload(ctx, upload, { traceId: request.id, log: request.log });
    },
  );

  app.post(
    '/v1/jobs',
    {
      onRequest: ctx.guards.upload,
      config: { multipartField: 'inputFile' },
      schema: {
        summary: 'Queue one photo for recognition; poll GET /v1/jobs/{id} for the result',
        description: jobLimitsText(ctx),
        tags: ['jobs'],
        response: {
          202: { type: 'object', required: ['id', 'status'], properties: { id: { type: 'string' }, status: { type: 'string', enum: ['queued'] } } },
          ...errors(400, 401, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const upload = await readCheckedUpload(request, ctx.deps.maxUploadBytes);
      const job = ctx.jobs.create(upload.fileName);
      const records = ctx.deps.jobRecords;
      const persist = () => records?.save(job).catch((error: unknown) => request.log.warn({ jobId: job.id, err: String(error) }, 'job record not written'));
      await persist();
      const call = { traceId: request.id, log: request.log, onSubmitted: () => ctx.jobs.markRunning(job) };
      recognizeUpload(ctx, upload, call).then(
        (result) => {
          ctx.jobs.succeed(job, result);
          void persist();
        },
        (error: unknown) => {
          const problem = problemOf(error);
          ctx.jobs.fail(job, { code: problem.code, message: problem.message });
          void persist();
          request.log.warn({ jobId: job.id, code: problem.code }, 'job failed');
        },
      );
      return reply.status(202).header('location', `/v1/jobs/${job.id}`).send({ id: job.id, status: 'queued' });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      onRequest: ctx.guards.upload,
      schema: { summary: 'A job: queued, running, succeeded (with result) or failed (with error)', tags: ['jobs'], params: jobIdParams, response: { 200: jobSchema, ...errors(401, 404) } },
    },
    async (request) => {
      const job = ctx.jobs.get(request.params.id) ?? (await ctx.deps.jobRecords?.load(request.params.id));
      if (job === undefined) throw new NotFoundError(`no job ${request.params.id} (unknown, or expired)`);
      return jobView(job);
    },
  );

  app.get(
    '/v1/jobs',
    {
      onRequest: ctx.guards.admin,
      schema: {
        summary: 'Every job this web tier keeps, newest first (admin)',
        tags: ['jobs'],
        response: { 200: { type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: jobSchema } } }, ...errors(401) },
      },
    },
    async () => ({ jobs: ctx.jobs.list().map(jobView) }),
  );
}
