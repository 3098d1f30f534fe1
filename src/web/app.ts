import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { PayloadTooLargeError } from '../domain/errors.js';
import { DEFAULT_DECODE_ALLOWANCE } from '../domain/image-structure.js';
import { DEFAULT_BODY_BUDGET_BYTES, MAX_JSON_BODY_BYTES, maxRequestBytes } from '../domain/upload-limits.js';
import { Admission } from './admission.js';
import { requestIdOf } from '../observability/request-id.js';
import { browserRulesHook } from './browser-rules.js';
import type { RequestTimeouts, WebDeps } from './deps.js';
import { registerErrorHandler } from './error-handler.js';
import { uploadLimitMessage } from './multipart.js';
import { registerOpenApi } from './openapi.js';
import { liveStatusPlugin } from './plugins/live-status.js';
import { metricsPlugin } from './plugins/metrics.js';
import { servicesPlugin } from './plugins/services.js';
import { uploadLimitsPlugin } from './plugins/upload-limits.js';
import { eventsRoutes } from './routes/events.js';
import { enrollmentRoutes } from './routes/enrollments.js';
import { faceTaskRoutes } from './routes/face-tasks.js';
import { observabilityRoutes } from './routes/observability.js';
import { collectionsRoutes } from './routes/collections.js';
import { recognitionRoutes } from './routes/recognitions.js';
import { recognizePlainRoutes } from './routes/recognize-plain.js';
import { statusRoutes } from './routes/status.js';
import { subjectsRoutes } from './routes/subjects.js';
import { uiRoutes } from './routes/ui.js';

function registerHooks(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    const length = Number(request.headers['content-length'] ?? 0);
    // Refuse what cannot fit before reading it (multipart overhead allowed for).
    if (length > maxRequestBytes(app.maxUploadBytes)) throw new PayloadTooLargeError(`${uploadLimitMessage(app.maxUploadBytes)} (plus multipart framing)`);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
  });
  app.addHook('onRoute', (route) => {
    // Every route documents its answers: they shape the replies and the OpenAPI document.
    if (route.schema?.response === undefined) throw new Error(`route ${String(route.method)} ${route.url} has no response schema`);
    // With a token, everything under /v1/ and /metrics needs it: a route there that names no guard is a mistake.
    const guarded = [route.onRequest ?? []].flat().some((hook) => app.authGuards.isGuard(hook));
    if ((route.url.startsWith('/v1/') || route.url === '/metrics') && !guarded) throw new Error(`route ${String(route.method)} ${route.url} has no auth guard`);
  });
}

/** The services every route uses, as decorators (see src/web/plugins). */
async function registerServices(app: FastifyInstance, deps: WebDeps): Promise<void> {
  await app.register(metricsPlugin);
  await app.register(servicesPlugin, {
    auth: deps.auth,
    recognition: deps.recognition,
    subjects: deps.subjects,
    collections: deps.collections,
    maxUploadBytes: deps.maxUploadBytes,
    jobs: deps.jobs,
    jobRecords: deps.jobRecords,
    modelKind: deps.modelKind,
    matchRules: deps.matchRules,
    readiness: deps.readiness,
  });
  await app.register(liveStatusPlugin, { readStatus: deps.status, eventsIntervalMs: deps.eventsIntervalMs, eventLimits: deps.events });
  const admission = deps.admission ?? new Admission({ bodyBudgetBytes: DEFAULT_BODY_BUDGET_BYTES, maxQueueWaitMs: 30_000, assumedAnswersPerSecond: 100 });
  await app.register(uploadLimitsPlugin, { admission, decodeAllowance: deps.decodeAllowance ?? DEFAULT_DECODE_ALLOWANCE, maxUploadBytes: deps.maxUploadBytes });
}

/** Node checks the body and header timeouts this often; a quarter of the shorter one, at most a second. */
function connectionsCheckingIntervalOf(timeouts: RequestTimeouts): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(timeouts.bodyMs, timeouts.headersMs) / 4)));
}

/** The defaults of config web.bodyTimeoutMs and web.headersTimeoutMs. */
const DEFAULT_TIMEOUTS: RequestTimeouts = { bodyMs: 60_000, headersMs: 10_000 };

/** Builds the web tier's Fastify app; it does not listen (src/web/server.ts does). Test it with `inject`. */
export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
  const app = Fastify({
    // A request whose headers or body have not arrived within these is ended (408), so slow uploads cannot stay open.
    requestTimeout: timeouts.bodyMs,
    http: { requestTimeout: timeouts.bodyMs, headersTimeout: timeouts.headersMs, connectionsCheckingInterval: connectionsCheckingIntervalOf(timeouts) },
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Multipart bodies are limited per file by the routes; other bodies are small JSON.
    bodyLimit: MAX_JSON_BODY_BYTES,
    // The request id travels to the worker as `traceId`; both tiers log it under that name.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // One line per request, from the onResponse hook (Fastify's own logging writes two).
    logController: new LogController({ requestIdLogLabel: 'traceId', disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerErrorHandler(app);
  // Before everything else a request meets, the token included: a rebinding page or another site's form learns nothing.
  app.addHook('onRequest', browserRulesHook(deps.browser ?? { allowedHosts: [], allowedOrigins: [] }));
  await registerOpenApi(app);
  await app.register(multipart, { limits: { fileSize: deps.maxUploadBytes } });
  await registerServices(app, deps);
  registerHooks(app);
  for (const routes of [uiRoutes, recognizePlainRoutes, recognitionRoutes, subjectsRoutes, collectionsRoutes, statusRoutes, eventsRoutes, observabilityRoutes]) {
    await app.register(routes);
  }
  for (const routes of [faceTaskRoutes, enrollmentRoutes]) await app.register(routes);
  return app;
}
