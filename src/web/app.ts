import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { PayloadTooLargeError } from '../domain/errors.js';
import { ActivityFeed } from '../observability/activity-feed.js';
import { WebMetrics } from '../observability/metrics.js';
import { requestIdOf } from '../observability/request-id.js';
import { createAuthGuards } from './auth.js';
import type { WebContext } from './context.js';
import type { WebDeps } from './deps.js';
import { registerErrorHandler } from './error-handler.js';
import { JobStore } from './job-store.js';
import { registerOpenApi } from './openapi.js';
import type { RecognitionOutcome } from './recognize-upload.js';
import { eventsRoutes } from './routes/events.js';
import { observabilityRoutes } from './routes/observability.js';
import { recognitionRoutes } from './routes/recognitions.js';
import { recognizePlainRoutes } from './routes/recognize-plain.js';
import { statusRoutes } from './routes/status.js';
import { subjectsRoutes } from './routes/subjects.js';
import { uiRoutes } from './routes/ui.js';

function createContext(deps: WebDeps): WebContext {
  const metrics = new WebMetrics();
  const feed = new ActivityFeed({
    readStatus: deps.status,
    summarize: (status) => metrics.observeStatus(status),
    completed: () => metrics.completedRecognitions,
    intervalMs: deps.eventsIntervalMs ?? 1000,
    onStatusError: (error) => deps.logger?.warn({ err: error }, 'status for /v1/events failed'),
  });
  return { deps, guards: createAuthGuards(deps.auth), metrics, jobs: new JobStore<RecognitionOutcome>(deps.jobs), feed };
}

function registerHooks(app: FastifyInstance, ctx: WebContext): void {
  const { deps, metrics, feed } = ctx;
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    const length = Number(request.headers['content-length'] ?? 0);
    // Refuse what cannot fit before reading it (multipart overhead allowed for).
    if (length > deps.maxUploadBytes * 50 + 1024 * 1024) {
      throw new PayloadTooLargeError('the request body is larger than allowed');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  // Event streams never end by themselves; end them so that close() does not wait for the clients.
  app.addHook('preClose', async () => feed.close());
}

/** Builds the web tier's Fastify app; it does not listen (src/system does). Test it with `inject`. */
export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Multipart bodies are limited per file by the routes; other bodies are small JSON.
    bodyLimit: 1024 * 1024,
    // The request id travels to the worker as `traceId`; both tiers log it under that name.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // One line per request, from the onResponse hook (Fastify's own logging writes two).
    logController: new LogController({ requestIdLogLabel: 'traceId', disableRequestLogging: true }),
  });
  const ctx = createContext(deps);
  app.addHook('onRoute', (route) => {
    // Every route documents its answers: they shape the replies and the OpenAPI document.
    if (route.schema?.response === undefined) throw new Error(`route ${String(route.method)} ${route.url} has no response schema`);
  });
  registerErrorHandler(app);
  await registerOpenApi(app);
  await app.register(multipart, { limits: { fileSize: deps.maxUploadBytes } });
  registerHooks(app, ctx);
  uiRoutes(app);
  recognizePlainRoutes(app, ctx);
  recognitionRoutes(app, ctx);
  subjectsRoutes(app, ctx);
  statusRoutes(app, ctx);
  eventsRoutes(app, ctx);
  observabilityRoutes(app, ctx);
  return app;
}
