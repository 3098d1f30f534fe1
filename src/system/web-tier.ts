import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ACCESS_CHECK_PREFIX } from '../config/names.js';
import type { RecognitionReply } from '../domain/messages.js';
import type { Queue } from '../ports/queue.js';
import { DEFAULT_COLLECTION } from '../domain/collections.js';
import { AccessRegistry } from '../web/access-registry.js';
import { buildApp } from '../web/app.js';
import { collectionGalleryAdmins } from './collection-admins.js';
import type { WebDeps } from '../web/deps.js';
import { JobRecords } from '../web/job-records.js';
import { cachedCheck, type ReadinessCheck } from '../web/readiness.js';
import { MULTIPART_FRAMING_BYTES } from '../domain/upload-limits.js';
import { Admission } from '../web/admission.js';
import { RecognitionService, STAGED_UPLOADS_PREFIX } from '../web/recognition-service.js';
import { ReplyCorrelator } from '../web/reply-correlator.js';
import type { StatusSnapshot } from '../domain/status-snapshot.js';
import { faceRuntimeOf, type Backends } from './backends.js';
import { startLiveness } from './reply-queue-reaper.js';
import { sweepExpired } from './retention.js';
import { startIdleCollector } from './idle-collector.js';

/** How often expired job records are deleted from the control bucket (at most; sooner with a shorter TTL). */
const JOB_SWEEP_MS = 60_000;
/** `/readyz` writes its storage probe at most this often, however often it is asked. */
const READINESS_PROBE_MAX_AGE_MS = 1000;

export interface WebTierOptions {
  readonly requestQueue: Queue;
  /** Builds the reader of the status snapshot (it reports this instance's reply queue). */
  readonly status: (correlator: ReplyCorrelator) => () => Promise<StatusSnapshot>;
  readonly onEnqueued?: () => void;
  /** Told every reply of the app tier this process waited for (the autoscaler measures the service time from them). */
  readonly onAnswer?: (reply: RecognitionReply) => void;
  readonly logger?: FastifyBaseLogger;
  /** How often `/v1/events` pushes a status snapshot (default: config web.eventsIntervalMs). */
  readonly eventsIntervalMs?: number;
  /** Id of this web-tier instance, naming its reply queue (default: random). */
  readonly instanceId?: string;
}

export interface WebTier {
  readonly app: FastifyInstance;
  /** Names this instance's reply queue and liveness object. */
  readonly instanceId: string;
  readonly correlator: ReplyCorrelator;
  /**
   * Closes the app, stops waiting for answers (jobs still waiting stay pending; their records are left as
   * written), writes the job records still being written, and removes this instance's reply queue.
   */
  close(): Promise<void>;
}

/**
 * Job records in the control bucket, and the timer that deletes the expired ones (and the staged images of jobs
 * whose process died before they finished).
 */
function startJobRecords(backends: Backends, ttlMs: number, logger: FastifyBaseLogger | undefined) {
  const { store, names } = backends;
  const jobRecords = new JobRecords({ store, bucket: names.controlBucket, outputBucket: names.outputBucket, ttlMs });
  const sweepJobs = setInterval(() => {
    jobRecords.sweep().catch((error: unknown) => logger?.warn({ err: error }, 'job record sweep failed'));
    sweepExpired(store, names.controlBucket, ttlMs, Date.now(), STAGED_UPLOADS_PREFIX).catch((error: unknown) =>
      logger?.warn({ err: error, prefix: STAGED_UPLOADS_PREFIX }, 'control bucket sweep failed'),
    );
  }, Math.min(ttlMs, JOB_SWEEP_MS));
  sweepJobs.unref();
  return { jobRecords, sweepJobs };
}

/**
 * The storage half of `/readyz`: a small object written to the input bucket (what every upload needs) and
 * deleted, under the prefix `aws check` probes with (the only one the web tier may delete in that bucket).
 */
function inputBucketProbe(backends: Backends, instanceId: string): ReadinessCheck {
  const { store, names } = backends;
  const key = `${ACCESS_CHECK_PREFIX}readyz-${instanceId}`;
  return cachedCheck(async () => {
    await store.put(names.inputBucket, key, Buffer.from('readyz'), { contentType: 'text/plain' });
    await store.delete(names.inputBucket, key);
  }, READINESS_PROBE_MAX_AGE_MS);
}

/** Waits (at most `boundMs`) until every accepted job is on the request queue or failed. */
async function untilJobsSubmitted(app: FastifyInstance, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (app.jobs.unsubmitted > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Closes the app, then stops waiting for answers once accepted jobs are queued, and writes the last job records. */
async function closeWaits(app: FastifyInstance, correlator: ReplyCorrelator, jobRecords: JobRecords, graceMs: number): Promise<void> {
  await app.close();
  // A job accepted just before the stop may still be storing its image: let it reach the queue first.
  await untilJobsSubmitted(app, graceMs);
  await correlator.stop();
  // The jobs told to stop waiting settle on later turns; then their last records are written.
  await new Promise((resolve) => setImmediate(resolve));
  await jobRecords.flush();
}

/**
 * The load-shedding rule of this web process. Until answers are measured it assumes the app tier's full
 * capacity: every instance the autoscaler may run answering one image per configured service time.
 */
function createAdmission(config: Backends['config']): Admission {
  const assumedAnswersPerSecond = (config.autoscaler.maxInstances * 1000) / config.autoscaler.serviceTimeMs;
  const { bodyBudgetBytes, maxUploadBytes, maxQueueWaitMs } = config.web;
  // An eighth of the budget for small bodies, as long as one upload of the largest size still fits in the rest.
  const reservedForSmallBytes = Math.max(0, Math.min(Math.floor(bodyBudgetBytes / 8), bodyBudgetBytes - maxUploadBytes - MULTIPART_FRAMING_BYTES));
  return new Admission({ bodyBudgetBytes, reservedForSmallBytes, maxQueueWaitMs, assumedAnswersPerSecond });
}

function createRecognitionService(backends: Backends, options: WebTierOptions, correlator: ReplyCorrelator, admission: Admission): RecognitionService {
  return new RecognitionService({
    store: backends.store,
    requestQueue: options.requestQueue,
    names: backends.names,
    correlator,
    replyTimeoutMs: backends.config.web.replyTimeoutMs,
    onEnqueued: options.onEnqueued,
    // The answer rate and the body budget of the load-shedding rule.
    onAnswer: (reply) => {
      admission.observeAnswer();
      options.onAnswer?.(reply);
    },
    bodyRoom: (bytes) => admission.acquireBody(bytes),
  });
}

/** What uploads must respect (see README, "Limits under load"). */
function uploadLimitsOf(config: Backends['config'], admission: Admission): Pick<WebDeps, 'admission' | 'decodeAllowance' | 'timeouts'> {
  const { web } = config;
  return {
    admission,
    decodeAllowance: { minPixels: web.minDecodePixels, pixelsPerByte: web.decodePixelsPerByte },
    timeouts: { bodyMs: web.bodyTimeoutMs, headersMs: web.headersTimeoutMs },
  };
}

/** One web-tier instance: its own reply queue and reply consumer, the recognition service and the routes. */
export async function createWebTier(backends: Backends, options: WebTierOptions): Promise<WebTier> {
  const { config, names } = backends;
  const instanceId = options.instanceId ?? randomBytes(4).toString('hex');
  const liveness = await startLiveness(
    backends.store,
    names.controlBucket,
    instanceId,
    (e) => options.logger?.warn({ err: e }, 'liveness write failed'),
    config.web.livenessIntervalMs,
  );
  const correlator = new ReplyCorrelator(backends.queues, names.replyQueue(instanceId), (e) =>
    options.logger?.warn({ err: e }, 'reply consumer error'),
  );
  await correlator.start();
  const admission = createAdmission(config);
  const stopIdleCollector = startIdleCollector({ traffic: () => admission.snapshot() });
  const recognition = createRecognitionService(backends, options, correlator, admission);
  const { jobRecords, sweepJobs } = startJobRecords(backends, config.web.jobTtlMs, options.logger);
  const subjectsOf = collectionGalleryAdmins(backends.store, names.galleryBucket, faceRuntimeOf(config));
  const access = new AccessRegistry(backends.store, names.galleryBucket, { cacheMs: config.web.accessCacheMs });
  const app = await buildApp({
    recognition,
    subjects: subjectsOf(DEFAULT_COLLECTION),
    collections: { access, subjectsOf },
    modelKind: config.model.kind,
    matchRules: { distanceThreshold: config.recognition.distanceThreshold, margin: config.recognition.margin },
    status: options.status(correlator),
    maxUploadBytes: config.web.maxUploadBytes,
    auth: { token: config.web.authToken, requireAuthForUploads: config.web.requireAuthForUploads },
    eventsIntervalMs: options.eventsIntervalMs ?? config.web.eventsIntervalMs,
    events: { maxClients: config.web.eventsMaxClients, drainTimeoutMs: config.web.eventsDrainTimeoutMs, maxStreamBytes: config.web.eventsMaxStreamBytes },
    browser: { allowedHosts: config.web.allowedHosts, allowedOrigins: config.web.allowedOrigins },
    jobs: { maxJobs: config.web.maxJobs, ttlMs: config.web.jobTtlMs },
    jobRecords,
    logger: options.logger,
    readiness: inputBucketProbe(backends, instanceId),
    ...uploadLimitsOf(config, admission),
  });
  return {
    app,
    instanceId,
    correlator,
    close: async () => {
      clearInterval(sweepJobs);
      stopIdleCollector();
      await closeWaits(app, correlator, jobRecords, config.web.closeGraceMs);
      await liveness.stop();
    },
  };
}
