/** The compute factory: the adapter that the configuration names, on both sides, and what a local worker inherits. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2HeartbeatReporter, heartbeatReader } from '../../../src/adapters/compute/ec2-heartbeat.js';
import { Ec2InstancePool } from '../../../src/adapters/compute/ec2-pool.js';
import { AUTOSCALER_HEARTBEAT_KEY } from '../../../src/adapters/compute/autoscaler-heartbeat.js';
import { createInstancePool, createWorkerReporter, localWorkerEnv, startAutoscalerHeartbeat } from '../../../src/adapters/compute/index.js';
import { LocalProcessPool } from '../../../src/adapters/compute/local-process-pool.js';
import { LocalProcessReporter } from '../../../src/adapters/compute/local-process-reporter.js';
import { LocalFolderStore } from '../../../src/adapters/storage/local-folder.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/ports/logger.js';
import { awsError } from '../../helpers/ec2-mock.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { waitUntil } from '../../helpers/wait.js';

describe('compute factory', () => {
  let dir: string;
  let store: LocalFolderStore;
  const silent = silentLogger;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-compute-factory-'));
    store = new LocalFolderStore(join(dir, 'buckets'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('process compute: a local process pool and the IPC reporter', async () => {
    const config = loadConfig({ dataDir: dir }, {});
    const pool = await createInstancePool(config, { store, controlBucket: 'c', workerArgs: () => [], log: silent });
    assert.ok(pool instanceof LocalProcessPool);
    await pool.close();
    assert.ok(createWorkerReporter(config, { store, controlBucket: 'c', name: 'app-tier-instance-1' }) instanceof LocalProcessReporter);
  });

  test('ec2 compute: the EC2 pool and the heartbeat reporter', async () => {
    const config = loadConfig({ dataDir: dir, compute: { backend: 'ec2', ec2: { region: 'us-east-1', launchTemplateId: 'lt-1' } } }, {});
    assert.ok((await createInstancePool(config, { store, controlBucket: 'c', workerArgs: () => [], log: silent })) instanceof Ec2InstancePool);
    assert.ok(createWorkerReporter(config, { store, controlBucket: 'c', name: 'app-tier-instance-1' }) instanceof Ec2HeartbeatReporter);
  });

  test('an EC2 pool for an autoscaler is refused at start when EC2 denies launching, saying what to grant', async () => {
    const ec2 = mockClient(EC2Client);
    try {
      ec2.on(DescribeInstancesCommand).callsFake((input: { DryRun?: boolean }) => {
        if (input.DryRun === true) throw awsError('DryRunOperation', 412);
        return { Reservations: [] };
      });
      ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
      const config = loadConfig({ dataDir: dir, compute: { backend: 'ec2', ec2: { region: 'us-east-1', launchTemplateId: 'lt-1' } } }, {});
      const deps = { store, controlBucket: 'c', workerArgs: () => [], log: silent };
      await assert.rejects(createInstancePool(config, { ...deps, verifyPermissions: true }), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'CONFIG_INVALID');
        assert.match(error.message, /RunInstances: missing: ec2:RunInstances from the launch template lt-1/);
        assert.match(error.message, /scaleface aws check/);
        return true;
      });
      assert.equal(ec2.commandCalls(RunInstancesCommand).every((call) => call.args[0].input.DryRun === true), true, 'only dry runs');
      // Without an autoscaler in this process (verifyPermissions unset) nothing is asked of EC2.
      ec2.resetHistory();
      assert.ok((await createInstancePool(config, deps)) instanceof Ec2InstancePool);
      assert.equal(ec2.commandCalls(RunInstancesCommand).length, 0);
      ec2.on(RunInstancesCommand).rejects(awsError('DryRunOperation', 412));
      assert.ok((await createInstancePool(config, { ...deps, verifyPermissions: true })) instanceof Ec2InstancePool, 'allowed: the pool starts');
    } finally {
      ec2.restore();
    }
  });

  test('the autoscaler heartbeat is written on EC2 only, where workers can outlive the autoscaler', async () => {
    await store.ensureBucket('hb');
    const local = startAutoscalerHeartbeat(loadConfig({ dataDir: dir }, {}), { store, controlBucket: 'hb' });
    await local.stop();
    assert.equal(await store.head('hb', AUTOSCALER_HEARTBEAT_KEY), undefined, 'local workers never read it');
    const ec2Config = loadConfig({ dataDir: dir, compute: { backend: 'ec2', ec2: { region: 'us-east-1', launchTemplateId: 'lt-1' } } }, {});
    const onEc2 = startAutoscalerHeartbeat(ec2Config, { store, controlBucket: 'hb' });
    await onEc2.stop();
    assert.ok(await store.head('hb', AUTOSCALER_HEARTBEAT_KEY), 'written at once on EC2');
  });

  test('the local pool stops a worker with the configured bound and logs the exit', async () => {
    const config = loadConfig({ dataDir: dir, compute: { stopTimeoutMs: 200 } }, {});
    const log = memoryLogger();
    const exits = log.lines;
    // A worker that never reports ready and ignores SIGTERM: only the SIGKILL after the bound ends it.
    const stubborn = ['-e', "process.on('SIGTERM', () => undefined); console.log('armed'); setInterval(() => undefined, 1000)"];
    const pool = await createInstancePool(config, { store, controlBucket: 'c', workerArgs: () => stubborn, log });
    const [instance] = await pool.launch(1);
    assert.ok(instance);
    const logFile = join(dir, 'logs', `${instance.name}.log`);
    await waitUntil('the worker ignores SIGTERM', async () => (await readFile(logFile, 'utf8').catch(() => '')).includes('armed'));
    await pool.terminate(instance.id);
    await waitUntil('the stubborn worker was killed', async () => (await pool.list()).length === 0, 5000);
    assert.deepEqual(exits.map((e) => e.msg), ['instance exited']);
    assert.equal(exits[0]?.fields.signal, 'SIGKILL');
    await pool.close();
  });

  test('an unexpected exit before ready is logged and reported as a failed start', async () => {
    const config = loadConfig({ dataDir: dir }, {});
    const failed: string[] = [];
    const log = memoryLogger();
    const pool = await createInstancePool(config, { store, controlBucket: 'c', workerArgs: () => ['-e', 'process.exit(78)'], log, onFailedStart: (why) => failed.push(why) });
    await pool.launch(1);
    await waitUntil('the failed start was reported', () => failed.length === 1, 5000);
    assert.deepEqual(log.lines.filter((line) => line.level === 'warn').map((line) => line.msg), ['instance failed to start']);
    assert.match(failed[0] ?? '', /^app-tier-instance-1 exited with code 78 before it was ready \(its model or gallery cannot be loaded/);
    await pool.close();
  });

  test('the EC2 worker writes heartbeats at the configured interval', async () => {
    const config = loadConfig({ dataDir: dir, compute: { backend: 'ec2', ec2: { heartbeatIntervalMs: 100 } } }, {});
    await store.ensureBucket('sf-control');
    const reporter = createWorkerReporter(config, { store, controlBucket: 'sf-control', name: 'app-tier-instance-8' });
    reporter.ready('onnx: test');
    const read = heartbeatReader(store, 'sf-control');
    await waitUntil('a first beat', async () => (await read('app-tier-instance-8')) !== undefined, 2000);
    const first = await read('app-tier-instance-8');
    // The default interval is 5 s: a second beat within 2 s means the configured one is used.
    await waitUntil('a second beat', async () => ((await read('app-tier-instance-8'))?.at ?? 0) > (first?.at ?? Infinity), 2000);
    await reporter.close();
  });

  test('a local worker inherits its configuration, the basics and AWS_* variables, nothing else', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566', AWS_PROFILE: 'p', SOME_SECRET: 'x', SCALEFACE_PORT: '1234', PATH: '/bin' });
      const config = loadConfig({ dataDir: dir }, {});
      const env = localWorkerEnv(config);
      assert.equal(env.AWS_ENDPOINT_URL_SQS, 'http://127.0.0.1:4566');
      assert.equal(env.AWS_PROFILE, 'p');
      assert.equal(env.PATH, '/bin');
      assert.equal(env.SOME_SECRET, undefined);
      assert.equal(env.SCALEFACE_PORT, undefined, 'the configuration travels in SCALEFACE_CONFIG_JSON only');
      assert.deepEqual(loadConfig({}, { SCALEFACE_CONFIG_JSON: env.SCALEFACE_CONFIG_JSON }), config);
      assert.equal(env.MALLOC_TRIM_THRESHOLD_, '131072', 'freed memory goes back to the system');
      process.env.MALLOC_MMAP_THRESHOLD_ = '65536';
      assert.equal(localWorkerEnv(config).MALLOC_MMAP_THRESHOLD_, '65536', "up's own setting wins");
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
