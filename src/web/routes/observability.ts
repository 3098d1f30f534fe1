import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { anyObject, errors } from '../schemas.js';

/** `GET /metrics` (Prometheus text format) and `GET /v1/openapi.json`. */
export const observabilityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics',
    {
      onRequest: app.authGuards.admin,
      schema: {
        summary: 'Prometheus metrics: requests, latency, inference time, queue depths, instances, autoscaler decisions',
        tags: ['observability'],
        produces: ['text/plain'],
        response: { 200: Type.String(), ...errors(401) },
      },
    },
    async (request, reply) => {
      try {
        app.metrics.observeStatus(await app.readStatus());
      } catch (error) {
        app.metrics.observeStatusFailure();
        request.log.warn({ err: error }, 'status for /metrics failed');
      }
      const { contentType, body } = await app.metrics.render();
      return reply.type(contentType).send(body);
    },
  );

  app.get(
    '/v1/openapi.json',
    { onRequest: app.authGuards.admin, schema: { summary: 'This document', tags: ['observability'], response: { 200: anyObject(), ...errors(401) } } },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );
};
