import fp from 'fastify-plugin';
import { WebMetrics } from '../../observability/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus metrics (a registry of its own). */
    readonly metrics: WebMetrics;
  }
}

/** The app's metrics, and one observation per answered request (by route pattern, so that ids do not explode the series). */
export const metricsPlugin = fp(
  async (app) => {
    const metrics = new WebMetrics();
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    });
  },
  { name: 'scaleface-metrics', fastify: '5.x' },
);
