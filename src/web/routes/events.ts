import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import { settingLabel } from '../../config/index.js';
import { TooManyEventClientsError } from '../../domain/errors.js';
import type { EventSink } from '../../observability/activity-feed.js';
import { RETRY_AFTER_SECONDS } from '../error-handler.js';
import { errors } from '../schemas.js';

/** The feed's view of a response: a full socket is seen through write()'s answer and 'drain'. */
function sinkOf(raw: ServerResponse): EventSink {
  return {
    write: (chunk) => raw.write(chunk),
    end: () => void raw.end(),
    // A graceful close would leave the unread bytes in the kernel until the peer reads them: reset instead.
    reset: () => void (raw.socket ? raw.socket.resetAndDestroy() : raw.destroy()),
    onceDrained: (listener) => void raw.once('drain', listener),
  };
}

/**
 * `GET /v1/events`: Server-Sent Events for the dashboard. First a `history` event (the samples kept so
 * far), then a `status` event every interval: `{ status: <as GET /v1/status>, sample: ActivitySample }`.
 * Bounded: at most `web.eventsMaxClients` clients (429 beyond), a stream ends after `web.eventsMaxStreamBytes`
 * (the client reconnects), a client whose socket stays full for `web.eventsDrainTimeoutMs` is reset.
 */
export const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/events',
    {
      onRequest: app.authGuards.admin,
      schema: {
        summary: 'Live status snapshots and throughput as Server-Sent Events (history, then status every interval)',
        tags: ['status'],
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'An event stream' }), ...errors(401, 429) },
      },
    },
    (request, reply) => {
      const feed = app.activityFeed;
      if (feed.full) {
        void reply.header('retry-after', String(RETRY_AFTER_SECONDS)).header('connection', 'close');
        throw new TooManyEventClientsError(`this service streams events to at most ${feed.maxClients} clients at once (${settingLabel(['web', 'eventsMaxClients'])}); try again later`);
      }
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // The connection closes with the stream, so that a stream ended at its byte budget frees its socket.
        connection: 'close',
        'x-request-id': request.id,
        // Tells proxies such as nginx not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      const unsubscribe = feed.subscribe(sinkOf(reply.raw));
      request.raw.once('close', unsubscribe);
      reply.raw.once('close', unsubscribe);
    },
  );
};
