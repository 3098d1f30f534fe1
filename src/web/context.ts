import type { ActivityFeed } from '../observability/activity-feed.js';
import type { WebMetrics } from '../observability/metrics.js';
import type { AuthGuards } from './auth.js';
import type { WebDeps } from './deps.js';
import type { JobStore } from './job-store.js';
import type { RecognitionOutcome } from './recognize-upload.js';

/** What buildApp hands every route module: the deps plus the app's own guards, metrics, jobs and live feed. */
export interface WebContext {
  readonly deps: WebDeps;
  readonly guards: AuthGuards;
  readonly metrics: WebMetrics;
  readonly jobs: JobStore<RecognitionOutcome>;
  readonly feed: ActivityFeed;
}
