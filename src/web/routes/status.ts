import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BackendUnavailableError } from '../../domain/errors.js';
import { problemOf } from '../error-handler.js';
import { errors, nullable, type TypedApp } from '../schemas.js';
import { statusSchema } from '../../domain/status-snapshot.js';

const infoSchema = Type.Object({
  auth: Type.Object({ admin: Type.Boolean(), uploads: Type.Boolean() }, { description: 'Which routes need "Authorization: Bearer <token>"' }),
  maxUploadBytes: Type.Integer(),
  model: Type.Optional(Type.Object({ kind: Type.String({ description: 'face, objects or custom' }) }, { description: 'The model the app tier serves' })),
  subjects: Type.Optional(nullable(Type.Integer({ description: 'Subjects enrolled (face model); null when the gallery cannot be read now' }))),
  matchRules: Type.Optional(
    Type.Object(
      { distanceThreshold: Type.Number(), margin: Type.Number() },
      { description: 'Face model: a face is its nearest subject when at most distanceThreshold away and the next subject at least margin farther' },
    ),
  ),
});

const readySchema = Type.Object({ ready: Type.Optional(Type.Boolean()), error: Type.Optional(Type.String()) });

function readinessRoute(app: TypedApp): void {
  app.get(
    '/readyz',
    { schema: { summary: 'The queues and the autoscaler answer, and the storage takes writes', tags: ['status'], response: { 200: readySchema, 503: readySchema } } },
    async (request, reply) => {
      try {
        await app.readStatus();
        await app.checkReadiness();
        return { ready: true };
      } catch (error) {
        // The reason (a path, a backend's words) goes to the log; the client reads the generic 503 sentence.
        request.log.warn({ err: error }, 'not ready: the status cannot be read or the storage takes no writes');
        const problem = problemOf(new BackendUnavailableError('not ready', { cause: error }));
        return reply.status(503).header('retry-after', String(problem.retryAfterSeconds)).send({ ready: false, error: problem.message });
      }
    },
  );
}

/** `GET /v1/status`, `GET /v1/info`, `GET /healthz` (the process answers), `GET /readyz` (its backends answer and take writes). */
export const statusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/status',
    { onRequest: app.authGuards.admin, schema: { summary: 'Queue depths, instances and the autoscaler’s recent decisions', tags: ['status'], response: { 200: statusSchema, ...errors(401, 503) } } },
    async () => {
      const status = await app.readStatus();
      app.metrics.observeStatus(status);
      return { ...status, admission: app.admission.snapshot() };
    },
  );
  app.get(
    '/v1/info',
    { onRequest: app.authGuards.admin, schema: { summary: 'What the page needs to know: which routes need a token, the upload limit, the model and its gallery', tags: ['status'], response: { 200: infoSchema, ...errors(401) } } },
    async (request) => {
      const face = app.modelKind === 'face';
      // The page still loads when the gallery cannot be read; it then shows no count.
      const subjects = face ? await app.subjectsAdmin.countSubjects().catch((error: unknown) => (request.log.warn({ err: error }, 'subjects not counted'), null)) : undefined;
      return {
        auth: app.authGuards.required,
        maxUploadBytes: app.maxUploadBytes,
        model: { kind: app.modelKind },
        ...(subjects === undefined ? {} : { subjects }),
        ...(face && app.matchRules !== undefined ? { matchRules: app.matchRules } : {}),
      };
    },
  );
  app.get(
    '/healthz',
    { schema: { summary: 'The process answers', tags: ['status'], response: { 200: Type.Object({ ok: Type.Optional(Type.Boolean()) }) } } },
    async () => ({ ok: true }),
  );
  readinessRoute(app);
};
