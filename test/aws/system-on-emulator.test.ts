/**
 * The whole system with queue = sqs and storage = s3 on fauxqs (an emulator speaking the AWS wire protocols),
 * compute = local processes: the worker processes reach the emulator through the configuration they inherit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { activeInstances, enrollAndRecognizeDemoPeople } from '../helpers/http-scenarios.js';
import { waitUntil } from '../helpers/wait.js';
import { findSeedData } from '../helpers/seed-data.js';
import { checkSeedWorkload } from '../helpers/seed-workload.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../helpers/fauxqs.js';

useDummyAwsCredentials();
const seed = findSeedData();

async function startOnEmulator(emulator: Fauxqs, dataDir: string, prefix: string): Promise<RunningSystem> {
  const aws = { endpoint: emulator.endpoint, region: emulator.region };
  const config = loadConfig(
    {
      dataDir,
      prefix,
      logLevel: 'silent',
      web: { port: 0 },
      queue: { backend: 'sqs', sqs: aws, visibilityTimeoutSeconds: 5 },
      storage: { backend: 's3', s3: { ...aws, forcePathStyle: true } },
      autoscaler: { idleWindowMs: 1000 },
    },
    {},
  );
  return startSystem(config);
}

describe('the system on SQS + S3 (fauxqs) with local worker processes', () => {
  let emulator: Fauxqs;
  let dataDir: string;

  before(async () => {
    emulator = await startFauxqs();
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-aws-e2e-'));
  });
  after(async () => {
    await emulator.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('enroll, recognize, both buckets on S3, workers 0 → n → 0', async () => {
    const system = await startOnEmulator(emulator, join(dataDir, 'demo'), 'sf-demo');
    try {
      await enrollAndRecognizeDemoPeople(system);
      await waitUntil('instances back at 0', async () => (await activeInstances(system)) === 0, 15_000);
    } finally {
      await system.close();
    }
  });

  test(
    'the course workload on SQS + S3 → 1000 correct',
    { skip: 'missing' in seed ? seed.missing : false, timeout: 15 * 60_000 },
    async () => {
      if ('missing' in seed) return;
      const system = await startOnEmulator(emulator, join(dataDir, 'seed'), 'sf-seed');
      try {
        await checkSeedWorkload(system, seed.dir, 'SQS + S3 (fauxqs) seed workload');
      } finally {
        await system.close();
      }
    },
  );
});
