/**
 * The only reader of the environment. Sources, later ones winning:
 * defaults < config file (SCALEFACE_CONFIG_FILE or ./scaleface.config.json) < SCALEFACE_* variables
 * < SCALEFACE_CONFIG_JSON (how a parent hands its whole config to the workers it starts) < overrides.
 */
import { readFileSync, existsSync } from 'node:fs';
import { ConfigInvalidError } from '../domain/errors.js';
import { modelFromSpec } from './model-spec.js';
import { configSchema, resolveDerivedDefaults, type Config, type ConfigInput } from './schema.js';
import { isTree, mergeConfig, type Tree } from './tree.js';
import { describeUnknown, unknownSettings } from './unknown-settings.js';

type Env = Record<string, string | undefined>;

/** Each `SCALEFACE_*` variable, the setting it gives and how its text is read. */
const ENV_PATHS: Record<string, { path: string[]; kind: 'string' | 'number' | 'boolean' | 'list' }> = {
  SCALEFACE_DATA_DIR: { path: ['dataDir'], kind: 'string' },
  SCALEFACE_PREFIX: { path: ['prefix'], kind: 'string' },
  SCALEFACE_LOG_LEVEL: { path: ['logLevel'], kind: 'string' },
  SCALEFACE_LOG_FORMAT: { path: ['logFormat'], kind: 'string' },
  SCALEFACE_URL: { path: ['client', 'url'], kind: 'string' },
  SCALEFACE_HOST: { path: ['web', 'host'], kind: 'string' },
  SCALEFACE_PORT: { path: ['web', 'port'], kind: 'number' },
  SCALEFACE_MAX_UPLOAD_BYTES: { path: ['web', 'maxUploadBytes'], kind: 'number' },
  SCALEFACE_REPLY_TIMEOUT_MS: { path: ['web', 'replyTimeoutMs'], kind: 'number' },
  SCALEFACE_AUTH_TOKEN: { path: ['web', 'authToken'], kind: 'string' },
  SCALEFACE_REQUIRE_AUTH_FOR_UPLOADS: { path: ['web', 'requireAuthForUploads'], kind: 'boolean' },
  SCALEFACE_ACCESS_CACHE_MS: { path: ['web', 'accessCacheMs'], kind: 'number' },
  SCALEFACE_WEB_CLOSE_GRACE_MS: { path: ['web', 'closeGraceMs'], kind: 'number' },
  SCALEFACE_WEB_EVENTS_MAX_CLIENTS: { path: ['web', 'eventsMaxClients'], kind: 'number' },
  SCALEFACE_WEB_EVENTS_DRAIN_TIMEOUT_MS: { path: ['web', 'eventsDrainTimeoutMs'], kind: 'number' },
  SCALEFACE_WEB_EVENTS_MAX_STREAM_BYTES: { path: ['web', 'eventsMaxStreamBytes'], kind: 'number' },
  SCALEFACE_WEB_ALLOWED_HOSTS: { path: ['web', 'allowedHosts'], kind: 'list' },
  SCALEFACE_WEB_ALLOWED_ORIGINS: { path: ['web', 'allowedOrigins'], kind: 'list' },
  SCALEFACE_WEB_BODY_BUDGET_BYTES: { path: ['web', 'bodyBudgetBytes'], kind: 'number' },
  SCALEFACE_WEB_BODY_TIMEOUT_MS: { path: ['web', 'bodyTimeoutMs'], kind: 'number' },
  SCALEFACE_WEB_HEADERS_TIMEOUT_MS: { path: ['web', 'headersTimeoutMs'], kind: 'number' },
  SCALEFACE_WEB_MAX_QUEUE_WAIT_MS: { path: ['web', 'maxQueueWaitMs'], kind: 'number' },
  SCALEFACE_WEB_MAX_JOBS: { path: ['web', 'maxJobs'], kind: 'number' },
  SCALEFACE_WEB_DECODE_PIXELS_PER_BYTE: { path: ['web', 'decodePixelsPerByte'], kind: 'number' },
  SCALEFACE_WEB_MIN_DECODE_PIXELS: { path: ['web', 'minDecodePixels'], kind: 'number' },
  SCALEFACE_QUEUE: { path: ['queue', 'backend'], kind: 'string' },
  SCALEFACE_VISIBILITY_TIMEOUT_S: { path: ['queue', 'visibilityTimeoutSeconds'], kind: 'number' },
  SCALEFACE_MAX_RECEIVE_COUNT: { path: ['queue', 'maxReceiveCount'], kind: 'number' },
  SCALEFACE_ACCEPT_EMPTY_QUEUE: { path: ['queue', 'acceptEmptyQueue'], kind: 'boolean' },
  SCALEFACE_SQS_ENDPOINT: { path: ['queue', 'sqs', 'endpoint'], kind: 'string' },
  SCALEFACE_STORAGE: { path: ['storage', 'backend'], kind: 'string' },
  SCALEFACE_S3_ENDPOINT: { path: ['storage', 's3', 'endpoint'], kind: 'string' },
  SCALEFACE_S3_FORCE_PATH_STYLE: { path: ['storage', 's3', 'forcePathStyle'], kind: 'boolean' },
  SCALEFACE_COMPUTE: { path: ['compute', 'backend'], kind: 'string' },
  SCALEFACE_EC2_LAUNCH_TEMPLATE_ID: { path: ['compute', 'ec2', 'launchTemplateId'], kind: 'string' },
  SCALEFACE_EC2_SUBNET_ID: { path: ['compute', 'ec2', 'subnetId'], kind: 'string' },
  SCALEFACE_EC2_SUBNET_IDS: { path: ['compute', 'ec2', 'subnetIds'], kind: 'list' },
  SCALEFACE_EC2_SECURITY_GROUP_IDS: { path: ['compute', 'ec2', 'securityGroupIds'], kind: 'list' },
  SCALEFACE_EC2_STOPPED_FLEET: { path: ['compute', 'ec2', 'stoppedFleet'], kind: 'boolean' },
  SCALEFACE_AUTOSCALER: { path: ['autoscaler', 'enabled'], kind: 'boolean' },
  SCALEFACE_MIN_INSTANCES: { path: ['autoscaler', 'minInstances'], kind: 'number' },
  SCALEFACE_MAX_INSTANCES: { path: ['autoscaler', 'maxInstances'], kind: 'number' },
  SCALEFACE_LATENCY_TARGET_MS: { path: ['autoscaler', 'latencyTargetMs'], kind: 'number' },
  SCALEFACE_SERVICE_TIME_MS: { path: ['autoscaler', 'serviceTimeMs'], kind: 'number' },
  SCALEFACE_BOOT_TIME_MS: { path: ['autoscaler', 'bootTimeMs'], kind: 'number' },
  SCALEFACE_IDLE_WINDOW_MS: { path: ['autoscaler', 'idleWindowMs'], kind: 'number' },
  SCALEFACE_DISTANCE_THRESHOLD: { path: ['recognition', 'distanceThreshold'], kind: 'number' },
  SCALEFACE_MARGIN: { path: ['recognition', 'margin'], kind: 'number' },
  SCALEFACE_RUNTIME: { path: ['recognition', 'runtime'], kind: 'string' },
  SCALEFACE_RUNTIME_THREADS: { path: ['recognition', 'threads'], kind: 'number' },
  SCALEFACE_INPUT_TTL_S: { path: ['retention', 'inputTtlSeconds'], kind: 'number' },
  SCALEFACE_OUTPUT_TTL_S: { path: ['retention', 'outputTtlSeconds'], kind: 'number' },
  SCALEFACE_WORKER_CONCURRENCY: { path: ['worker', 'concurrency'], kind: 'number' },
  SCALEFACE_WORKER_STOP_TIMEOUT_MS: { path: ['worker', 'stopTimeoutMs'], kind: 'number' },
  SCALEFACE_HANDLER_TIMEOUT_MS: { path: ['worker', 'handlerTimeoutMs'], kind: 'number' },
  SCALEFACE_WORKER_FAULT_HOLD_MS: { path: ['worker', 'faultHoldMs'], kind: 'number' },
  SCALEFACE_JOB_TTL_MS: { path: ['web', 'jobTtlMs'], kind: 'number' },
  SCALEFACE_EC2_HEARTBEAT_INTERVAL_MS: { path: ['compute', 'ec2', 'heartbeatIntervalMs'], kind: 'number' },
  SCALEFACE_BOOT_DEADLINE_MS: { path: ['compute', 'bootDeadlineMs'], kind: 'number' },
  SCALEFACE_EC2_BOOT_DEADLINE_MS: { path: ['compute', 'ec2', 'bootDeadlineMs'], kind: 'number' },
  SCALEFACE_EC2_HEARTBEAT_DEADLINE_MS: { path: ['compute', 'ec2', 'heartbeatDeadlineMs'], kind: 'number' },
  SCALEFACE_EC2_UNATTENDED_SHUTDOWN_MS: { path: ['compute', 'ec2', 'unattendedShutdownMs'], kind: 'number' },
};

/**
 * How messages name a setting: its path, and its environment variable when it has one
 * (`web.maxUploadBytes (env SCALEFACE_MAX_UPLOAD_BYTES)`), so that an error tells its reader what to change.
 */
export function settingLabel(path: readonly (string | number | symbol)[]): string {
  const key = path.map(String).join('.');
  const variable = Object.entries(ENV_PATHS).find(([, entry]) => entry.path.join('.') === key)?.[0];
  return variable === undefined ? key : `${key} (env ${variable})`;
}

function convert(name: string, raw: string, kind: string): unknown {
  if (kind === 'string') return raw;
  if (kind === 'list') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (kind === 'boolean') {
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    throw new ConfigInvalidError(`${name} must be true or false, got "${raw}"`);
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigInvalidError(`${name} must be a number, got "${raw}"`);
  return n;
}

/** SCALEFACE_AWS_REGION (or AWS_REGION) sets the region of every AWS backend at once. */
function regionFromEnv(env: Env): Tree {
  const region = env.SCALEFACE_AWS_REGION ?? env.AWS_REGION;
  if (!region) return {};
  return { queue: { sqs: { region } }, storage: { s3: { region } }, compute: { ec2: { region } } };
}

function fromEnv(env: Env): Tree {
  let tree: Tree = regionFromEnv(env);
  for (const [name, { path, kind }] of Object.entries(ENV_PATHS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const leaf = path.reduceRight<unknown>((acc, key) => ({ [key]: acc }), convert(name, raw, kind));
    tree = mergeConfig(tree, leaf as Tree);
  }
  // SCALEFACE_MODEL is one value for two keys: `face`, `objects` or a custom model's folder (see model-spec.ts).
  if (env.SCALEFACE_MODEL) tree = mergeConfig(tree, { model: modelFromSpec(env.SCALEFACE_MODEL) });
  return tree;
}

function fromJson(text: string, origin: string): Tree {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isTree(parsed)) throw new Error('not a JSON object');
    return parsed;
  } catch (error) {
    throw new ConfigInvalidError(`${origin} is not a valid JSON object`, { cause: error });
  }
}

function fromFile(env: Env): { path: string; tree: Tree } {
  const path = env.SCALEFACE_CONFIG_FILE ?? 'scaleface.config.json';
  if (!existsSync(path)) {
    if (env.SCALEFACE_CONFIG_FILE) throw new ConfigInvalidError(`config file ${path} does not exist`);
    return { path, tree: {} };
  }
  return { path, tree: fromJson(readFileSync(path, 'utf8'), path) };
}

/** A key of the file the schema does not know is refused, rather than dropped (a typo would run the default). */
function refuseUnknownSettings(file: { path: string; tree: Tree }, kept: unknown): void {
  const unknown = unknownSettings(file.tree, kept);
  if (unknown.length === 0) return;
  const noun = unknown.length === 1 ? 'unknown setting' : 'unknown settings';
  throw new ConfigInvalidError(`${file.path}: ${noun} ${unknown.map(describeUnknown).join(', ')} (README, "Configuration", lists them)`);
}

/**
 * Settings that are gone, with what replaced them, from any source: an old configuration never runs with other
 * behaviour than it asked for without a word. (Other unknown keys are refused from the file, refuseUnknownSettings.)
 */
const RETIRED_SETTINGS: readonly { readonly path: readonly string[]; readonly env: string; readonly instead: string }[] = [
  {
    path: ['autoscaler', 'targetBacklogPerInstance'],
    env: 'SCALEFACE_TARGET_BACKLOG',
    instead: 'autoscaler.latencyTargetMs (SCALEFACE_LATENCY_TARGET_MS), the p95 answer time the autoscaler now sizes for (docs/autoscaling.md)',
  },
];

function refuseRetiredSettings(tree: Tree, env: Env): void {
  for (const { path, env: name, instead } of RETIRED_SETTINGS) {
    const value = path.reduce<unknown>((node, key) => (isTree(node) ? node[key] : undefined), tree);
    if (value === undefined && env[name] === undefined) continue;
    throw new ConfigInvalidError(`${path.join('.')} (${name}) is no longer a setting: use ${instead}`);
  }
}

/** Builds and validates the configuration once; throws ConfigInvalidError naming every bad field. */
export function loadConfig(overrides: ConfigInput = {}, env: Env = process.env): Config {
  const file = fromFile(env);
  let tree = mergeConfig(file.tree, fromEnv(env));
  if (env.SCALEFACE_CONFIG_JSON) tree = mergeConfig(tree, fromJson(env.SCALEFACE_CONFIG_JSON, 'SCALEFACE_CONFIG_JSON'));
  tree = mergeConfig(tree, overrides as Tree);
  refuseRetiredSettings(tree, env);
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length === 0 ? '(root)' : settingLabel(i.path)}: ${i.message}`);
    throw new ConfigInvalidError(`invalid configuration: ${problems.join('; ')}`);
  }
  refuseUnknownSettings(file, result.data);
  return resolveDerivedDefaults(result.data);
}

/** The environment a child process needs to rebuild exactly this configuration. */
export function configToEnv(config: Config): Record<string, string> {
  return { SCALEFACE_CONFIG_JSON: JSON.stringify(config) };
}

/**
 * The variables of this process's environment whose names `keep` accepts, for handing on to a child
 * process (the only place that reads the environment for that).
 */
export function inheritedEnv(keep: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && keep(e[0])));
}
