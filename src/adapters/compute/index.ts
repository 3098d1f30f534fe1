/**
 * The compute backend the configuration names, with both of its sides: the instance pool that the
 * autoscaler drives (in `scaleface up`) and the reporter through which a worker talks to that pool (in
 * `scaleface worker`). Callers never branch on the backend's name. The EC2 pool is imported only when
 * configured: the EC2 SDK takes a noticeable part of a local worker's cold start to load (see ../storage/index.ts).
 */
import { join } from 'node:path';
import { ConfigInvalidError } from '../../domain/errors.js';
import { configToEnv, inheritedEnv, type Config } from '../../config/index.js';
import { EXIT_CANNOT_START, type InstancePool } from '../../ports/instance-pool.js';
import type { Logger } from '../../ports/logger.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { WorkerReporter } from '../../ports/worker-reporter.js';
import { startAutoscalerHeartbeat as startHeartbeatObject } from './autoscaler-heartbeat.js';
import { Ec2HeartbeatReporter, heartbeatReader } from './ec2-heartbeat.js';
import { LocalProcessPool, type InstanceExit } from './local-process-pool.js';
import { LocalProcessReporter } from './local-process-reporter.js';

/** Where EC2 workers write their heartbeats: the deployment's object store and control bucket. */
export interface HeartbeatLocation {
  readonly store: ObjectStore;
  readonly controlBucket: string;
}

export interface InstancePoolDeps extends HeartbeatLocation {
  /** Arguments of `node` that run one local worker named `name` (e.g. the CLI's `worker --name <name>`). */
  readonly workerArgs: (name: string) => string[];
  readonly log: Logger;
  /** A local worker exited before it was ready, with why; the autoscaler backs off launching. */
  readonly onFailedStart?: (why: string) => void;
  /**
   * The pool is for an autoscaler: ask the backend first (EC2: dry runs) whether these credentials may list,
   * launch and terminate, and refuse to start with what to grant instead of failing on the first burst.
   */
  readonly verifyPermissions?: boolean;
}

export interface WorkerReporterDeps extends HeartbeatLocation {
  /** This worker's instance name. */
  readonly name: string;
  /** A heartbeat could not be written (the worker keeps going; it only looks not ready for a while). */
  readonly onError?: (error: unknown) => void;
  /** The worker gave its machine up (EC2, unattended): how the shutdown command ended. */
  readonly onShutdown?: (outcome: string) => void;
}

/**
 * The autoscaler's heartbeat in the control bucket, written while the process that runs the autoscaler lives and
 * only on EC2: workers that can outlive it there give up their machines when it stays silent (see unattended-shutdown.ts).
 */
export function startAutoscalerHeartbeat(config: Config, location: HeartbeatLocation & { onError?: (error: unknown) => void }): { stop(): Promise<void> } {
  // Local workers end with their parent and never read it: no writes every few seconds for nobody.
  if (config.compute.backend !== 'ec2') return { stop: async () => undefined };
  return startHeartbeatObject({ ...location, intervalMs: config.compute.ec2.heartbeatIntervalMs });
}

/** The pool of app-tier instances on the configured compute backend. */
export async function createInstancePool(config: Config, deps: InstancePoolDeps): Promise<InstancePool> {
  if (config.compute.backend === 'ec2') {
    const { ec2PoolFromConfig } = await import('./ec2-pool.js');
    if (deps.verifyPermissions === true) await refuseWithoutEc2Permissions(config, deps.log);
    return ec2PoolFromConfig(config, heartbeatReader(deps.store, deps.controlBucket));
  }
  return new LocalProcessPool({
    command: process.execPath,
    args: deps.workerArgs,
    env: localWorkerEnv(config),
    logDir: join(config.dataDir, 'logs'),
    stopTimeoutMs: config.compute.stopTimeoutMs,
    onExit: (exit) => reportExit(exit, deps),
  });
}

/** Throws ConfigInvalidError naming each right EC2 denied; a call that could not be checked is only a warning. */
async function refuseWithoutEc2Permissions(config: Config, log: Logger): Promise<void> {
  const { checkEc2Permissions } = await import('./ec2-permissions.js');
  const checks = await checkEc2Permissions(config);
  const denied = checks.filter((c) => c.allowed === false && c.detail.startsWith('missing:'));
  for (const unsure of checks.filter((c) => c.allowed === false && !denied.includes(c))) log.warn({ call: unsure.call, detail: unsure.detail }, 'EC2 permission not verified');
  if (denied.length === 0) return;
  const what = denied.map((c) => `${c.call}: ${c.detail}`).join('; ');
  throw new ConfigInvalidError(`the autoscaler cannot manage EC2 with these credentials: ${what} (scaleface aws check lists every call)`);
}

/**
 * What a running worker reports through to the pool that started it. Create it before anything slow (the
 * model load): the local reporter watches for the parent's death from its creation on.
 */
export function createWorkerReporter(config: Config, deps: WorkerReporterDeps): WorkerReporter {
  if (config.compute.backend === 'ec2') {
    const { heartbeatIntervalMs, unattendedShutdownMs, shutdownCommand } = config.compute.ec2;
    return new Ec2HeartbeatReporter({ ...deps, intervalMs: heartbeatIntervalMs, unattendedShutdownMs, shutdownCommand });
  }
  return new LocalProcessReporter();
}

/**
 * Variables a local worker inherits besides its configuration. The configuration travels whole in
 * SCALEFACE_CONFIG_JSON; anything more of the parent's environment would only make a worker depend on how
 * `up` happened to be started and hand it variables (secrets among them) it has no use for. Kept: what any
 * process needs (PATH, HOME, TMPDIR, locale, time zone), Node's own settings (NODE_OPTIONS, NODE_PATH, extra CA
 * certificates for a TLS-inspecting proxy), and AWS_*, where the SDK clients of a worker on SQS and S3 find
 * their credentials, profile, region and endpoints (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_ENDPOINT_URL_SQS, ...).
 */
const INHERITED_NAMES: ReadonlySet<string> = new Set(['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS']);

/**
 * glibc's allocator settings for a worker: large blocks (onnxruntime's session set-up copies, decoded images)
 * get their own mappings and freed memory goes back to the system, instead of the heap keeping its high-water
 * mark (measured on the face model: ~20 MB less resident per worker after 200 images, the same CPU per image
 * within noise). A value set in `up`'s own environment wins.
 */
const WORKER_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_MMAP_THRESHOLD_: '131072' };

/** The complete environment of a local worker child. */
export function localWorkerEnv(config: Config): Record<string, string> {
  const inherited = inheritedEnv((name) => INHERITED_NAMES.has(name) || name.startsWith('AWS_') || name in WORKER_MALLOC_ENV);
  return { ...WORKER_MALLOC_ENV, ...inherited, ...configToEnv(config) };
}

function reportExit(exit: InstanceExit, { log, onFailedStart }: Pick<InstancePoolDeps, 'log' | 'onFailedStart'>): void {
  if (exit.expected) return log.info({ ...exit }, 'instance exited');
  log.warn({ ...exit }, exit.beforeReady ? 'instance failed to start' : 'instance died');
  if (!exit.beforeReady) return;
  const hint = exit.code === EXIT_CANNOT_START ? ' (its model or gallery cannot be loaded: see its log)' : '';
  onFailedStart?.(`${exit.name} exited with code ${exit.code ?? exit.signal} before it was ready${hint}`);
}
