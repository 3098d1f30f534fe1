/** The queue and bucket half of `scaleface aws check` on SQS and S3 (the fauxqs emulator): reachable or missing, changing nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { checkQueuesAndBuckets } from '../../src/system/access-check.js';
import { createBackends, createRequestQueues, ensureBuckets, type Backends } from '../../src/system/backends.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../helpers/fauxqs.js';

useDummyAwsCredentials();

const REQUEST_QUEUES = ['queue sf-check-req-queue (open, count)', 'queue sf-check-req-dlq (open, count)'];
const REPLY_QUEUES = ['reply queues sf-check-resp-queue-* (list)', 'reply queue sf-check-resp-queue-* (create, send, receive, delete, remove)'];
const BUCKET_LINES = [
  ...['in-bucket', 'out-bucket', 'gallery', 'control'].map((b) => `bucket sf-check-${b} (list)`),
  'bucket sf-check-in-bucket aws-check/* (write, delete)',
  'bucket sf-check-out-bucket * (read)',
  'bucket sf-check-gallery * (write, read, delete)',
  'bucket sf-check-control heartbeats/* (read)',
  'bucket sf-check-control web/* (write, read, delete)',
  'bucket sf-check-control jobs/* (write, read, delete)',
  'bucket sf-check-control uploads/* (write, read, delete)',
];

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

  test('before the deploy every queue and bucket is missing, and the check leaves nothing behind', async () => {
    const checks = await checkQueuesAndBuckets(backends);
    const missing = checks.filter((c) => c.detail.startsWith('missing: it does not exist')).map((c) => c.resource);
    const reads = BUCKET_LINES.filter((line) => line.endsWith('(read)'));
    assert.deepEqual(missing, [...REQUEST_QUEUES, ...BUCKET_LINES.filter((line) => !reads.includes(line))], checks.map((c) => `${c.resource}: ${c.detail}`).join('\n'));
    // Its own probe reply queue is the one thing it creates, and it removes it again; a read of an absent key
    // cannot tell a missing bucket (the list lines do).
    assert.deepEqual(checks.filter((c) => c.reachable).map((c) => c.resource), [...REPLY_QUEUES, ...reads]);
    assert.deepEqual(await backends.queues.list('sf-check'), [], 'no queue is left by checking');
  });

  test('once created, every queue and bucket is reachable', async () => {
    await ensureBuckets(backends);
    await createRequestQueues(backends);
    const checks = await checkQueuesAndBuckets(backends);
    assert.deepEqual(checks.map((c) => `${c.resource}: ${c.detail}`), [...REQUEST_QUEUES, ...REPLY_QUEUES, ...BUCKET_LINES].map((r) => `${r}: reachable`));
    assert.deepEqual(await backends.queues.list('sf-check-resp'), [], 'the probe reply queue is removed');
    for (const bucket of ['sf-check-in-bucket', 'sf-check-gallery', 'sf-check-control']) {
      assert.deepEqual(await backends.store.list(bucket), [], `no probe object is left in ${bucket}`);
    }
  });
});
