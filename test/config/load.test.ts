/**
 * The one typed configuration: defaults, the order in which sources win, what a bad value says, and the
 * defaults derived from other settings.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configToEnv, loadConfig } from '../../src/config/index.js';
import { refusal } from '../helpers/config-refusal.js';

describe('loadConfig', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-config-'));
    file = join(dir, 'scaleface.config.json');
    await writeFile(file, JSON.stringify({ web: { port: 8100, replyTimeoutMs: 1234 }, prefix: 'fromfile', logLevel: 'warn' }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('defaults, with those derived from the compute backend', () => {
    const local = loadConfig({}, {});
    assert.equal(local.dataDir, 'data');
    assert.equal(local.web.port, 8000);
    assert.equal(local.recognition.runtime, 'auto');
    assert.equal(local.recognition.threads, 1);
    assert.equal(local.retention.inputTtlSeconds, undefined);
    assert.equal(local.autoscaler.maxInstances, Math.max(1, cpus().length));
    assert.equal(local.autoscaler.idleWindowMs, 1000);
    const ec2 = loadConfig({ compute: { backend: 'ec2' } }, {});
    assert.equal(ec2.autoscaler.maxInstances, 20);
    assert.equal(ec2.autoscaler.idleWindowMs, 30_000, 'derived from the latency target: a quarter of what a 200 s boot leaves of 400 s, at most 30 s');
    assert.equal(ec2.autoscaler.billingMinimumMs, 60_000);
    assert.equal(local.autoscaler.latencyTargetMs, 2000);
    assert.equal(loadConfig({ compute: { backend: 'ec2' }, autoscaler: { maxInstances: 3 } }, {}).autoscaler.maxInstances, 3);
  });

  test('timing defaults, and those derived from other timings', () => {
    const config = loadConfig({}, {});
    assert.deepEqual(
      [config.worker.stopTimeoutMs, config.worker.handlerTimeoutMs, config.web.livenessIntervalMs, config.compute.ec2.heartbeatIntervalMs],
      [30_000, 300_000, 10_000, 5000],
    );
    assert.equal(config.web.jobTtlMs, 600_000, 'jobs are kept 10 minutes');
    assert.equal(config.web.replyQueueStaleAfterMs, 60_000, 'six liveness intervals');
    assert.equal(config.compute.stopTimeoutMs, 35_000, 'the worker’s own bound plus 5 s before it is killed');
    assert.equal(config.compute.ec2.heartbeatFreshMs, 20_000, 'four heartbeat intervals');
    const derived = loadConfig(
      { worker: { stopTimeoutMs: 1000 }, web: { livenessIntervalMs: 500 }, compute: { ec2: { heartbeatIntervalMs: 250 } }, retention: { outputTtlSeconds: 60 } },
      {},
    );
    assert.deepEqual(
      [derived.compute.stopTimeoutMs, derived.web.replyQueueStaleAfterMs, derived.compute.ec2.heartbeatFreshMs, derived.web.jobTtlMs],
      [6000, 3000, 1000, 60_000],
    );
    const explicit = loadConfig({ web: { jobTtlMs: 5000, replyQueueStaleAfterMs: 7000 }, compute: { stopTimeoutMs: 9000 }, retention: { outputTtlSeconds: 60 } }, {});
    assert.deepEqual([explicit.web.jobTtlMs, explicit.web.replyQueueStaleAfterMs, explicit.compute.stopTimeoutMs], [5000, 7000, 9000]);
  });

  test('web.maxJobs: 1000 unfinished jobs per web process by default, SCALEFACE_WEB_MAX_JOBS sets it', () => {
    assert.equal(loadConfig({}, {}).web.maxJobs, 1000);
    assert.equal(loadConfig({}, { SCALEFACE_WEB_MAX_JOBS: '5' }).web.maxJobs, 5);
    assert.equal(loadConfig({ web: { maxJobs: 7 } }, {}).web.maxJobs, 7);
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_WEB_MAX_JOBS: '0' })), /web\.maxJobs \(env SCALEFACE_WEB_MAX_JOBS\)/);
  });

  test('EC2 deadlines and unattended shutdown: defaults, the derived heartbeat deadline, environment variables', () => {
    const ec2 = loadConfig({}, {}).compute.ec2;
    assert.equal(loadConfig({ compute: { backend: 'ec2' } }, {}).compute.bootDeadlineMs, 300_000, 'five minutes to become ready');
    assert.equal(ec2.heartbeatDeadlineMs, 60_000, 'three times the heartbeat freshness');
    assert.equal(ec2.unattendedShutdownMs, 600_000, 'ten minutes without work and without an autoscaler');
    assert.deepEqual(ec2.shutdownCommand, ['sudo', 'shutdown', '-h', 'now']);
    assert.equal(loadConfig({ compute: { ec2: { heartbeatFreshMs: 1000 } } }, {}).compute.ec2.heartbeatDeadlineMs, 3000);
    const fromEnv = loadConfig({}, {
      SCALEFACE_COMPUTE: 'ec2',
      SCALEFACE_EC2_BOOT_DEADLINE_MS: '120000',
      SCALEFACE_EC2_HEARTBEAT_DEADLINE_MS: '45000',
      SCALEFACE_EC2_UNATTENDED_SHUTDOWN_MS: '900000',
    }).compute;
    assert.deepEqual([fromEnv.bootDeadlineMs, fromEnv.ec2.heartbeatDeadlineMs, fromEnv.ec2.unattendedShutdownMs], [120_000, 45_000, 900_000]);
    assert.throws(() => loadConfig({ compute: { ec2: { shutdownCommand: [] } } }, {}), /shutdownCommand/);
    assert.throws(() => loadConfig({}, { SCALEFACE_EC2_BOOT_DEADLINE_MS: '10' }), /bootDeadlineMs/);
  });

  test('on EC2 a request waits long enough for an app tier started from zero: the boot deadline or the latency target, whichever is longer, plus a minute', () => {
    assert.equal(loadConfig({}, {}).web.replyTimeoutMs, 60_000, 'local processes start in under a second');
    const ec2 = loadConfig({ compute: { backend: 'ec2' } }, {});
    assert.equal(ec2.web.replyTimeoutMs, Math.max(ec2.compute.bootDeadlineMs, ec2.autoscaler.latencyTargetMs) + 60_000);
    assert.ok(ec2.web.replyTimeoutMs > ec2.autoscaler.idleWindowMs, 'longer than the idle window, so a scaled-in tier can come back for it');
    assert.equal(loadConfig({ compute: { backend: 'ec2', ec2: { bootDeadlineMs: 30_000 } }, autoscaler: { latencyTargetMs: 20_000 } }, {}).web.replyTimeoutMs, 90_000);
    assert.equal(loadConfig({ compute: { backend: 'ec2' }, web: { replyTimeoutMs: 5000 } }, {}).web.replyTimeoutMs, 5000, 'an explicit value wins');
  });

  test('sources win in order: file < SCALEFACE_* < SCALEFACE_CONFIG_JSON < overrides', () => {
    const env = { SCALEFACE_CONFIG_FILE: file, SCALEFACE_PORT: '8200', SCALEFACE_PREFIX: 'fromenv' };
    const fromEnv = loadConfig({}, env);
    assert.deepEqual([fromEnv.web.port, fromEnv.prefix, fromEnv.web.replyTimeoutMs, fromEnv.logLevel], [8200, 'fromenv', 1234, 'warn']);
    const json = loadConfig({}, { ...env, SCALEFACE_CONFIG_JSON: JSON.stringify({ web: { port: 8300 } }) });
    assert.equal(json.web.port, 8300);
    assert.equal(json.web.replyTimeoutMs, 1234, 'a deep merge: the other web settings of the file stay');
    assert.equal(loadConfig({ web: { port: 8400 } }, { ...env, SCALEFACE_CONFIG_JSON: '{"web":{"port":8300}}' }).web.port, 8400);
  });

  test('a child rebuilds exactly the parent configuration from configToEnv', () => {
    const parent = loadConfig({ prefix: 'parent', recognition: { runtime: 'wasm' }, retention: { outputTtlSeconds: 60 } }, {});
    assert.deepEqual(loadConfig({}, configToEnv(parent)), parent);
  });

  test('environment values are converted: numbers, booleans, lists, the AWS region everywhere', () => {
    const config = loadConfig({}, {
      SCALEFACE_AUTOSCALER: 'off',
      SCALEFACE_EC2_SECURITY_GROUP_IDS: 'sg-1, sg-2,,sg-3',
      SCALEFACE_RUNTIME: 'onnx',
      SCALEFACE_RUNTIME_THREADS: '2',
      SCALEFACE_INPUT_TTL_S: '3600',
      AWS_REGION: 'eu-west-1',
    });
    assert.equal(config.autoscaler.enabled, false);
    assert.deepEqual(config.compute.ec2.securityGroupIds, ['sg-1', 'sg-2', 'sg-3']);
    assert.deepEqual([config.recognition.runtime, config.recognition.threads, config.retention.inputTtlSeconds], ['onnx', 2, 3600]);
    assert.deepEqual([config.queue.sqs.region, config.storage.s3.region, config.compute.ec2.region], ['eu-west-1', 'eu-west-1', 'eu-west-1']);
  });

  test('bad values are refused with a message naming the setting', () => {
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_PORT: 'eighty' })), /SCALEFACE_PORT must be a number, got "eighty"/);
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_AUTOSCALER: 'maybe' })), /SCALEFACE_AUTOSCALER must be true or false/);
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_RUNTIME: 'gpu' })), /recognition\.runtime/);
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_PORT: '70000' })), /web\.port/);
    assert.match(refusal(() => loadConfig({ prefix: 'Has Capitals' }, {})), /prefix \(env SCALEFACE_PREFIX\): lowercase letters, digits and dashes/);
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_CONFIG_FILE: join(dir, 'missing.json') })), /does not exist/);
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_CONFIG_JSON: '{not json' })), /SCALEFACE_CONFIG_JSON is not a valid JSON object/);
    const several = refusal(() => loadConfig({ web: { port: -1 }, queue: { maxReceiveCount: 0 } }, {}));
    assert.match(several, /web\.port/);
    assert.match(several, /queue\.maxReceiveCount/);
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_WORKER_STOP_TIMEOUT_MS: '-5' })), /worker\.stopTimeoutMs/);
  });

  test('a refused value names its environment variable beside its path, wherever it came from', () => {
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_AUTH_TOKEN: 'short' })), /web\.authToken \(env SCALEFACE_AUTH_TOKEN\)/);
    assert.match(refusal(() => loadConfig({ web: { maxUploadBytes: 0 } }, {})), /web\.maxUploadBytes \(env SCALEFACE_MAX_UPLOAD_BYTES\)/);
    const budget = refusal(() => loadConfig({ web: { maxUploadBytes: 1000, bodyBudgetBytes: 1000 } }, {}));
    assert.match(budget, /web\.bodyBudgetBytes \(env SCALEFACE_WEB_BODY_BUDGET_BYTES\)/);
    // A setting without a variable is named by its path alone.
    assert.match(refusal(() => loadConfig({ web: { eventsIntervalMs: 1 } }, {})), /web\.eventsIntervalMs: /);
  });
});
