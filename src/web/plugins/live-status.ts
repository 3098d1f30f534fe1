import fp from 'fastify-plugin';
import { ActivityFeed, type EventStreamLimits } from '../../observability/activity-feed.js';
import type { StatusSnapshot } from '../../domain/status-snapshot.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Reads the status snapshot now (queues, instances, the autoscaler); rejects when a backend does not answer. */
    readonly readStatus: () => Promise<StatusSnapshot>;
    /** The dashboard's live feed behind `/v1/events`. */
    readonly activityFeed: ActivityFeed;
  }
}

export interface LiveStatusOptions {
  readonly readStatus: () => Promise<StatusSnapshot>;
  /** How often `/v1/events` pushes a snapshot (default 1000 ms). */
  readonly eventsIntervalMs?: number;
  /** Bounds of the event clients (default DEFAULT_EVENT_LIMITS). */
  readonly eventLimits?: EventStreamLimits;
}

/** The status reader and the activity feed built on it; every snapshot read for the feed also sets the metrics. */
export const liveStatusPlugin = fp<LiveStatusOptions>(
  async (app, options) => {
    const feed = new ActivityFeed({
      readStatus: options.readStatus,
      summarize: (status) => app.metrics.observeStatus(status),
      completed: () => app.metrics.completedRecognitions,
      answerTimes: (now) => app.metrics.answerTimes.percentiles(now),
      intervalMs: options.eventsIntervalMs ?? 1000,
      onStatusError: (error) => app.log.warn({ err: error }, 'status for /v1/events failed'),
      limits: options.eventLimits,
      onDropped: (reason) => app.log.info({ reason }, 'an event client was reset'),
    });
    app.decorate('readStatus', options.readStatus);
    app.decorate('activityFeed', feed);
    // Event streams never end by themselves; end them so that close() does not wait for the clients.
    app.addHook('preClose', async () => feed.close());
  },
  { name: 'scaleface-live-status', fastify: '5.x', dependencies: ['scaleface-metrics'] },
);
