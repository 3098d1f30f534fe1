/**
 * What the SQS and S3 adapters do beyond the shared conformance suites, on fauxqs: queue attributes and
 * the redrive policy as SQS stores them, close() ending a long poll, multipart uploads, the factories,
 * and an unreachable endpoint surfacing as a retryable BackendUnavailableError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createQueueSystem } from '../../src/adapters/queue/index.js';
import { SqsQueueSystem } from '../../src/adapters/queue/sqs-queue.js';
import { createObjectStore } from '../../src/adapters/storage/index.js';
import { MULTIPART_THRESHOLD_BYTES, S3ObjectStore } from '../../src/adapters/storage/s3-store.js';
import { loadConfig } from '../../src/config/index.js';
import { BackendUnavailableError, NotFoundError, ScalefaceError } from '../../src/domain/errors.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from './fauxqs-harness.js';

useDummyAwsCredentials();

let fauxqs: Fauxqs;
let system: SqsQueueSystem;
let store: S3ObjectStore;

before(async () => {
  fauxqs = await startFauxqs();
  system = new SqsQueueSystem({ region: fauxqs.region, endpoint: fauxqs.endpoint, abortCheckSeconds: 1 });
  store = new S3ObjectStore({ region: fauxqs.region, endpoint: fauxqs.endpoint, forcePathStyle: true });
});

after(async () => {
  await system.close();
  await fauxqs.stop();
});

async function attributesOf(name: string): Promise<Record<string, string>> {
  const { QueueUrl } = await system.client.send(new GetQueueUrlCommand({ QueueName: name }));
  const out = await system.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  return out.Attributes ?? {};
}

describe('SqsQueueSystem', () => {
  test('open sets the visibility timeout and a redrive policy pointing at the dead-letter queue ARN', async () => {
    await system.create('attr-req', { visibilityTimeoutSeconds: 45, deadLetter: { queueName: 'attr-dlq', maxReceiveCount: 3 } });
    const attributes = await attributesOf('attr-req');
    assert.equal(attributes.VisibilityTimeout, '45');
    const policy = JSON.parse(attributes.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: unknown };
    assert.equal(policy.deadLetterTargetArn, (await attributesOf('attr-dlq')).QueueArn);
    assert.equal(Number(policy.maxReceiveCount), 3);
  });

  test('reopening with other settings updates the existing queue; without settings leaves them alone', async () => {
    const first = await system.create('attr-change', { visibilityTimeoutSeconds: 10 });
    await first.send('kept across the update');
    await system.create('attr-change', { visibilityTimeoutSeconds: 20, deadLetter: { queueName: 'attr-change-dlq', maxReceiveCount: 5 } });
    assert.equal((await attributesOf('attr-change')).VisibilityTimeout, '20');
    // Another process (a fresh system, no cached URL) opening it plainly changes nothing.
    const other = new SqsQueueSystem({ region: fauxqs.region, endpoint: fauxqs.endpoint });
    const again = await other.open('attr-change');
    await other.close();
    const attributes = await attributesOf('attr-change');
    assert.equal(attributes.VisibilityTimeout, '20');
    assert.equal(Number((JSON.parse(attributes.RedrivePolicy ?? '{}') as { maxReceiveCount?: unknown }).maxReceiveCount), 5);
    assert.equal((await again.depth()).visible, 1);
  });

  // (On AWS the name is refused for 60 s after the deletion: open then rejects with BACKEND_UNAVAILABLE.)
  test('a queue removed behind the cached URL is created again by open', async () => {
    const queue = await system.create('recreated');
    const outsider = new SqsQueueSystem({ region: fauxqs.region, endpoint: fauxqs.endpoint });
    await outsider.remove('recreated');
    await outsider.close();
    await assert.rejects(queue.depth(), NotFoundError);
    const reopened = await system.create('recreated', { visibilityTimeoutSeconds: 5 });
    await reopened.send('after recreation');
    assert.equal((await reopened.depth()).visible, 1);
  });

  test('close() ends a long poll that has no signal of its own', async () => {
    const closing = new SqsQueueSystem({ region: fauxqs.region, endpoint: fauxqs.endpoint });
    const queue = await closing.create('closing-poll');
    const polling = queue.receive({ waitTimeSeconds: 20 });
    setTimeout(() => void closing.close(), 200);
    const started = Date.now();
    assert.deepEqual(await polling, []);
    assert.ok(Date.now() - started < 10_000, 'close did not end the poll');
  });

  test('a message sent during an aborted poll is received by the next poll, not swallowed', async () => {
    const queue = await system.create('abort-slices');
    const controller = new AbortController();
    const polling = queue.receive({ waitTimeSeconds: 20, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    // Sent before the current one-second slice ends: the aborted receive still returns it.
    setTimeout(() => void queue.send('in flight to the aborted poll'), 300);
    const received = await polling;
    const next = received.length > 0 ? received : await queue.receive({ waitTimeSeconds: 2 });
    assert.deepEqual(next.map((m) => m.body), ['in flight to the aborted poll']);
  });

  test('createQueueSystem builds the SQS adapter from config', async () => {
    const config = loadConfig({ queue: { backend: 'sqs', sqs: { endpoint: fauxqs.endpoint, region: fauxqs.region } } }, {});
    const fromConfig = await createQueueSystem(config);
    assert.ok(fromConfig instanceof SqsQueueSystem);
    const queue = await fromConfig.create('from-config');
    assert.equal(typeof (await queue.send('hi')), 'string');
    await fromConfig.remove('from-config');
    await fromConfig.close();
  });
});

describe('S3ObjectStore', () => {
  test('a body above the threshold goes up in parts and comes back whole', async () => {
    await store.ensureBucket('sf-multipart');
    const big = Buffer.alloc(MULTIPART_THRESHOLD_BYTES * 2 + 12345);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await store.put('sf-multipart', 'big.bin', big, { contentType: 'application/octet-stream' });
    const small = Buffer.alloc(MULTIPART_THRESHOLD_BYTES, 1);
    await store.put('sf-multipart', 'small.bin', small);
    assert.ok((await store.get('sf-multipart', 'big.bin')).equals(big));
    const [bigInfo, smallInfo] = await store.list('sf-multipart');
    assert.equal(bigInfo?.size, big.length);
    // S3 gives a multipart object the ETag `<md5 of part md5s>-<parts>`.
    assert.match(bigInfo?.etag ?? '', /-3$/);
    assert.doesNotMatch(smallInfo?.etag ?? '-', /-/);
  });

  test('reading or listing a missing bucket rejects with NotFoundError', async () => {
    await assert.rejects(store.get('sf-never-created', 'k'), NotFoundError);
    await assert.rejects(store.list('sf-never-created'), NotFoundError);
    assert.equal(await store.head('sf-never-created', 'k'), undefined);
  });

  test('createObjectStore builds the S3 adapter from config', async () => {
    const s3 = { endpoint: fauxqs.endpoint, region: fauxqs.region, forcePathStyle: true };
    const fromConfig = await createObjectStore(loadConfig({ storage: { backend: 's3', s3 } }, {}));
    assert.ok(fromConfig instanceof S3ObjectStore);
    await fromConfig.ensureBucket('sf-from-config');
    await fromConfig.put('sf-from-config', 'a.txt', Buffer.from('a'));
    assert.equal((await store.get('sf-from-config', 'a.txt')).toString(), 'a');
  });
});

describe('unreachable endpoint', () => {
  test('SQS and S3 calls reject with a retryable BackendUnavailableError', async () => {
    const down = await startFauxqs();
    const queues = new SqsQueueSystem({ region: down.region, client: new SQSClient({ region: down.region, endpoint: down.endpoint, maxAttempts: 1 }) });
    const queue = await queues.create('soon-unreachable');
    const s3 = new S3ObjectStore({ region: down.region, endpoint: down.endpoint, forcePathStyle: true });
    await s3.ensureBucket('sf-soon-unreachable');
    await down.stop();
    const calls = [
      () => queue.send('x'),
      () => queue.receive(),
      () => s3.get('sf-soon-unreachable', 'k'),
      () => s3.put('sf-soon-unreachable', 'k', Buffer.from('k')),
    ];
    for (const call of calls) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof BackendUnavailableError, `got ${String(error)}`);
        assert.ok(error instanceof ScalefaceError && error.retryable);
        // A kept-alive socket is reset; a new connection is refused.
        assert.match(error.message, /ECONN(REFUSED|RESET)/);
        return true;
      });
    }
    await queues.close();
  });
});
