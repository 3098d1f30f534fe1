import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context.js';

/** `GET /metrics` (Prometheus text format) and `GET /v1/openapi.json`. */
export function observabilityRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics: requests, latency, inference time, queue depths, instances, autoscaler decisions',
        tags: ['observability'],
        produces: ['text/plain'],
        response: { 200: { type: 'string' } },
      },
    },
    async (request, reply) => {
      try {
        ctx.metrics.observeStatus(await ctx.deps.status());
      } catch (error) {
        ctx.metrics.observeStatusFailure();
        request.log.warn({ err: (error as Error).message }, 'status for /metrics failed');
      }
      const { contentType, body } = await ctx.metrics.render();
      return reply.type(contentType).send(body);
    },
  );

  app.get(
    '/v1/openapi.json',
    { schema: { summary: 'This document', tags: ['observability'], response: { 200: { type: 'object', additionalProperties: true } } } },
    async () => app.swagger(),
  );
}
