/**
 * Collections and API keys with queue = sqs and storage = s3 on fauxqs, compute = local processes: the keys and the
 * collections' galleries live in the S3 gallery bucket, the collection travels in the SQS message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { collectionsAndKeysScenario } from '../helpers/collection-scenarios.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../helpers/fauxqs.js';

useDummyAwsCredentials();
const TOKEN = 'admin-token-for-collections';

describe('collections and API keys on SQS + S3 (fauxqs) with local worker processes', () => {
  let emulator: Fauxqs;
  let dataDir: string;
  let system: RunningSystem;

  before(async () => {
    emulator = await startFauxqs();
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-aws-collections-'));
    const aws = { endpoint: emulator.endpoint, region: emulator.region };
    const config = loadConfig(
      {
        dataDir,
        prefix: 'sf-collections',
        logLevel: 'silent',
        web: { port: 0, authToken: TOKEN, requireAuthForUploads: false, accessCacheMs: 1000 },
        queue: { backend: 'sqs', sqs: aws, visibilityTimeoutSeconds: 5 },
        storage: { backend: 's3', s3: { ...aws, forcePathStyle: true } },
        autoscaler: { idleWindowMs: 5000 },
      },
      {},
    );
    system = await startSystem(config);
  });
  after(async () => {
    await system?.close();
    await emulator.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('create collections and keys, enroll and recognize in each, scopes, revocation, POST / unchanged', async () => {
    await collectionsAndKeysScenario(system, TOKEN);
  });
});
