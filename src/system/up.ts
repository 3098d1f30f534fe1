import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createInstancePool, startAutoscalerHeartbeat } from '../adapters/compute/index.js';
import { AutoscalerController } from '../autoscaler/controller.js';
import { MeasuredServiceTime } from '../autoscaler/service-time.js';
import type { Config } from '../config/index.js';
import type { InstancePool } from '../ports/instance-pool.js';
import type { Logger as LoggerPort } from '../ports/logger.js';
import type { Queue } from '../ports/queue.js';
import type { ReplyCorrelator } from '../web/reply-correlator.js';
import { startServer } from '../web/server.js';
import type { StatusSnapshot } from '../domain/status-snapshot.js';
import { DeadLetterNotifier } from './dead-letter-notifier.js';
import { createBackends, ensureBuckets, createRequestQueues, type Backends } from './backends.js';
import { createLogger, type Logger } from './logger.js';
import { checkModelBeforeServing } from './model-check.js';
import { refuseLostQueue } from './queue-guard.js';
import { reapReplyQueues } from './reply-queue-reaper.js';
import { startRetention } from './retention.js';
import { createWebTier } from './web-tier.js';

/** A running Scaleface: web tier, autoscaler and the app-tier pool it drives, on the configured backends. */
export interface RunningSystem {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly backends: Backends;
  readonly controller: AutoscalerController;
  readonly pool: InstancePool;
  close(): Promise<void>;
}

const CLI_ENTRY = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/**
 * The autoscaler `up` runs: the policy's settings and the deadlines past which an instance is replaced (boot:
 * compute.bootDeadlineMs on every backend; heartbeat: EC2's, as only EC2 workers write heartbeats). The service
 * time is `measured` from the workers' answers once there are enough, the configured one until then.
 */
export function createController(config: Config, queue: Queue, pool: InstancePool, log: LoggerPort, measured?: MeasuredServiceTime): AutoscalerController {
  const { tickMs, enabled: _enabled, ...settings } = config.autoscaler;
  return new AutoscalerController({
    queue,
    pool,
    tickMs,
    logger: log,
    ...(measured === undefined ? {} : { serviceTimeMs: () => measured.current() }),
    deadlines: { bootMs: config.compute.bootDeadlineMs, heartbeatMs: config.compute.ec2.heartbeatDeadlineMs },
    settings,
  });
}

interface StatusSources {
  readonly requestQueue: Queue;
  readonly deadLetters: Queue;
  readonly controller: AutoscalerController;
  readonly pool: InstancePool;
}

/** GET /v1/status: queue depths and instances read now (not as of the last autoscaler tick), plus its decisions. */
function statusReporter(config: Config, sources: StatusSources, correlator: ReplyCorrelator): () => Promise<StatusSnapshot> {
  const { requestQueue, deadLetters, controller, pool } = sources;
  return async () => {
    const [queue, deadLetterQueue, instances] = await Promise.all([requestQueue.depth(), deadLetters.depth(), pool.list()]);
    const scaling = controller.status();
    return {
      queue,
      deadLetterQueue,
      backlog: queue.visible + queue.inFlight,
      instances: instances.map(({ name, id, state, ready, busy, runtime }) => ({ name, id, state, ready, busy, runtime })),
      desired: scaling.desired,
      maxInstances: config.autoscaler.maxInstances,
      latencyTargetMs: config.autoscaler.latencyTargetMs,
      lastDecision: scaling.lastDecision ?? null,
      recentDecisions: scaling.recentDecisions.slice(-20),
      recentChanges: scaling.recentChanges,
      decisionTotals: scaling.decisionTotals,
      autoscalerError: scaling.lastError ?? null,
      launchBackoff: scaling.launchBackoff ?? null,
      webTier: { replyQueue: correlator.queueName, waiting: correlator.waiting },
    };
  };
}

/** Removes the reply queues of dead web processes at start and every half staleness bound. */
function startReaper(backends: Backends, ownInstanceId: string, log: Logger): NodeJS.Timeout {
  const staleAfterMs = backends.config.web.replyQueueStaleAfterMs;
  const reap = () =>
    reapReplyQueues({ ...backends, ownInstanceId, staleAfterMs }).then(
      (removed) => removed.length > 0 && log.info({ removed }, 'removed the reply queues of web processes that are gone'),
      (error: unknown) => log.warn({ err: error }, 'reply-queue reaper failed'),
    );
  void reap();
  const timer = setInterval(() => void reap(), staleAfterMs / 2);
  timer.unref();
  return timer;
}

/** Starts the autoscaler and its heartbeat (what tells workers that can outlive it that the app tier is driven). */
function startAutoscaler(config: Config, backends: Backends, controller: AutoscalerController, log: Logger): { stop(): Promise<void> } {
  controller.start();
  return startAutoscalerHeartbeat(config, {
    store: backends.store,
    controlBucket: backends.names.controlBucket,
    onError: (error) => log.warn({ err: error }, 'autoscaler heartbeat write failed'),
  });
}

/** The backends, their buckets ensured, after checking that no queued work was lost with the queue. */
async function openBackends(config: Config): Promise<Backends> {
  const backends = await createBackends(config);
  await ensureBuckets(backends);
  await refuseLostQueue(backends).catch(async (error: unknown) => {
    await backends.queues.close();
    throw error;
  });
  return backends;
}

/** Starts the whole system on one process tree (what `scaleface up` runs). */
export async function startSystem(config: Config): Promise<RunningSystem> {
  const log = createLogger(config, 'up');
  await checkModelBeforeServing(config);
  const backends = await openBackends(config);
  const { requestQueue, deadLetterQueue: deadLetters } = await createRequestQueues(backends);
  let onFailedStart: (why: string) => void = () => undefined; // the controller needs the pool first
  const pool = await createInstancePool(config, {
    verifyPermissions: config.autoscaler.enabled,
    store: backends.store,
    controlBucket: backends.names.controlBucket,
    workerArgs: (name) => [CLI_ENTRY, 'worker', '--name', name],
    log,
    onFailedStart: (why) => onFailedStart(why),
  });
  const serviceTime = new MeasuredServiceTime();
  const controller = createController(config, requestQueue, pool, createLogger(config, 'autoscaler'), serviceTime);
  onFailedStart = (why) => controller.noteFailedStart(why);
  const notifier = new DeadLetterNotifier(backends.queues, deadLetters, (e) => log.warn({ err: e }, 'dead-letter notifier error'));
  notifier.start();
  const web = await createWebTier(backends, {
    requestQueue,
    status: (correlator) => statusReporter(config, { requestQueue, deadLetters, controller, pool }, correlator),
    onEnqueued: () => void controller.poke(),
    onAnswer: (reply) => serviceTime.observeReply(reply),
    logger: createLogger(config, 'web'),
  });
  const retention = startRetention(backends, config, log);
  const app = web.app;
  const reaper = startReaper(backends, web.instanceId, log);
  const autoscalerHeartbeat = config.autoscaler.enabled ? startAutoscaler(config, backends, controller, log) : undefined;
  if (!config.autoscaler.enabled) log.info('autoscaler disabled in this process (autoscaler.enabled = false)');
  const server = await startServer(app, {
    web: config.web,
    log,
    // The app tier stops before the web tier stops waiting: what local workers hold when they stop is answered
    // to a reply queue still read, and every request still queued stays there for the next start.
    closeBackends: async () => {
      clearInterval(reaper);
      retention.stop();
      await controller.stop();
      await autoscalerHeartbeat?.stop();
      // Only the process that drives the pool releases it (EC2 instances stay for the next autoscaler).
      if (config.autoscaler.enabled) await pool.close();
      await web.close();
      await notifier.stop();
      await backends.queues.close();
    },
  });
  const model = { kind: config.model.kind, ...(config.model.dir === undefined ? {} : { dir: config.model.dir }) };
  log.info({ address: server.url, dataDir: config.dataDir, maxInstances: config.autoscaler.maxInstances, model }, 'scaleface is up');
  return { app, url: server.url, backends, controller, pool, close: server.close };
}
