import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../deps.js';

/** `GET /v1/status`, `GET /healthz` (the process answers), `GET /readyz` (its backends answer). */
export function statusRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.get('/v1/status', async () => deps.status());
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.status();
      return { ready: true };
    } catch (error) {
      return reply.status(503).send({ ready: false, error: (error as Error).message });
    }
  });
}
