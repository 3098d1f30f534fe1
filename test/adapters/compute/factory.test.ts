/** The compute factory: the adapter that the configuration names, on both sides, and what a local worker inherits. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ec2HeartbeatReporter } from '../../../src/adapters/compute/ec2-heartbeat.js';
import { Ec2InstancePool } from '../../../src/adapters/compute/ec2-pool.js';
import { createInstancePool, createWorkerReporter, localWorkerEnv } from '../../../src/adapters/compute/index.js';
import { LocalProcessPool } from '../../../src/adapters/compute/local-process-pool.js';
import { LocalProcessReporter } from '../../../src/adapters/compute/local-process-reporter.js';
import { LocalFolderStore } from '../../../src/adapters/storage/local-folder.js';
import { loadConfig } from '../../../src/config/index.js';

describe('compute factory', () => {
  let dir: string;
  let store: LocalFolderStore;
  const silent = { info: () => undefined, warn: () => undefined };

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
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
