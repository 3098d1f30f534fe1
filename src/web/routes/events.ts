import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

/**
 * `GET /v1/events`: Server-Sent Events for the dashboard. First a `history` event (the samples kept so
 * far), then a `status` event every interval: `{ status: <as GET /v1/status>, sample: ActivitySample }`.
 */
export const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/events',
    {
      schema: {
        summary: 'Live status snapshots and throughput as Server-Sent Events (history, then status every interval)',
        tags: ['status'],
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'An event stream' }) },
      },
    },
    (request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-request-id': request.id,
        // Tells proxies such as nginx not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      const unsubscribe = app.activityFeed.subscribe(reply.raw);
      request.raw.once('close', unsubscribe);
      reply.raw.once('close', unsubscribe);
    },
  );
};
