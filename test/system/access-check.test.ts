/** The queue and bucket half of `scaleface aws check` on SQS and S3 (the fauxqs emulator): reachable or missing, changing nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { checkQueuesAndBuckets } from '../../src/system/access-check.js';
import { createBackends, createRequestQueues, ensureBuckets, type Backends } from '../../src/system/backends.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../helpers/fauxqs.js';

useDummyAwsCredentials();

describe('queue and bucket access check on SQS and S3', () => {
  let fauxqs: Fauxqs;
  let backends: Backends;

  before(async () => {
    fauxqs = await startFauxqs();
    const { endpoint, region } = fauxqs;
    const config = loadConfig({ prefix: 'sf-check', queue: { backend: 'sqs', sqs: { endpoint, region } }, storage: { backend: 's3', s3: { endpoint, region, forcePathStyle: true } } }, {});
    backends = await createBackends(config);
  });
  after(async () => {
    await backends.queues.close();
    await fauxqs.stop();
  });

  test('before the deploy everything is missing, and the check creates nothing', async () => {
    const checks = await checkQueuesAndBuckets(backends);
    assert.equal(checks.length, 6);
    for (const check of checks) assert.equal(check.detail, 'missing: it does not exist (the deploy, or scaleface up creates it)', check.resource);
    assert.deepEqual(await backends.queues.list('sf-check'), [], 'no queue was created by checking');
  });

  test('once created, every queue and bucket is reachable', async () => {
    await ensureBuckets(backends);
    await createRequestQueues(backends);
    const checks = await checkQueuesAndBuckets(backends);
    assert.deepEqual(
      checks.map((c) => `${c.resource}: ${c.detail}`),
      ['queue sf-check-req-queue', 'queue sf-check-req-dlq', 'bucket sf-check-in-bucket', 'bucket sf-check-out-bucket', 'bucket sf-check-gallery', 'bucket sf-check-control'].map((r) => `${r}: reachable`),
    );
  });
});
