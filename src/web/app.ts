import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import type { WebDeps } from './deps.js';
import { registerErrorHandler } from './error-handler.js';
import { recognizePlainRoutes } from './routes/recognize-plain.js';
import { statusRoutes } from './routes/status.js';
import { subjectsRoutes } from './routes/subjects.js';

/** Builds the web tier's Fastify app; it does not listen (src/web/server.ts does). Test it with `inject`. */
export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Multipart bodies are limited per file by the routes; other bodies are small JSON.
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
  });
  registerErrorHandler(app);
  await app.register(multipart, { limits: { fileSize: deps.maxUploadBytes } });
  app.addHook('onRequest', async (request) => {
    const length = Number(request.headers['content-length'] ?? 0);
    // Refuse what cannot fit before reading it (multipart overhead allowed for).
    if (length > deps.maxUploadBytes * 50 + 1024 * 1024) {
      throw Object.assign(new Error(`the request body is larger than allowed`), { statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    }
  });
  recognizePlainRoutes(app, deps);
  subjectsRoutes(app, deps);
  statusRoutes(app, deps);
  return app;
}
