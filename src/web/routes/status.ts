import type { FastifyInstance } from 'fastify';
import { BackendUnavailableError } from '../../domain/errors.js';
import type { WebContext } from '../context.js';
import { problemOf } from '../error-handler.js';
import { errors, statusSchema } from '../schemas.js';

const infoSchema = {
  type: 'object',
  required: ['auth', 'maxUploadBytes'],
  properties: {
    auth: {
      type: 'object',
      required: ['admin', 'uploads'],
      description: 'Which routes need "Authorization: Bearer <token>"',
      properties: { admin: { type: 'boolean' }, uploads: { type: 'boolean' } },
    },
    maxUploadBytes: { type: 'integer' },
  },
} as const;

/** `GET /v1/status`, `GET /v1/info`, `GET /healthz` (the process answers), `GET /readyz` (its backends answer). */
export function statusRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  app.get(
    '/v1/status',
    { schema: { summary: 'Queue depths, instances and the autoscaler’s recent decisions', tags: ['status'], response: { 200: statusSchema, ...errors(503) } } },
    async () => {
      const status = await deps.status();
      ctx.metrics.observeStatus(status);
      return status;
    },
  );
  app.get(
    '/v1/info',
    { schema: { summary: 'What the page needs to know: which routes need a token, the upload limit', tags: ['status'], response: { 200: infoSchema } } },
    async () => ({ auth: ctx.guards.required, maxUploadBytes: deps.maxUploadBytes }),
  );
  app.get(
    '/healthz',
    { schema: { summary: 'The process answers', tags: ['status'], response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } },
    async () => ({ ok: true }),
  );
  const readySchema = { type: 'object', properties: { ready: { type: 'boolean' }, error: { type: 'string' } } } as const;
  app.get(
    '/readyz',
    { schema: { summary: 'The queues and the autoscaler answer', tags: ['status'], response: { 200: readySchema, 503: readySchema } } },
    async (request, reply) => {
      try {
        await deps.status();
        return { ready: true };
      } catch (error) {
        // The reason (a path, a backend's words) goes to the log; the client reads the generic 503.
        request.log.warn({ err: error }, 'not ready: the status cannot be read');
        const problem = problemOf(new BackendUnavailableError('the status cannot be read', { cause: error }));
        return reply.status(problem.status as 503).send({ ready: false, error: problem.message });
      }
    },
  );
}
