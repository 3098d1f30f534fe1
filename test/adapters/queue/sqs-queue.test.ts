/**
 * What the SQS adapter does beyond the queue conformance suite (test/conformance/sqs-s3.test.ts), on fauxqs:
 * queue attributes and the redrive policy as SQS stores them, close() ending a long poll, the factory, and an
 * unreachable endpoint surfacing as a retryable BackendUnavailableError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createQueueSystem } from '../../../src/adapters/queue/index.js';
import { SqsQueueSystem } from '../../../src/adapters/queue/sqs-queue.js';
import { loadConfig } from '../../../src/config/index.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { isUnreachable, startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../../helpers/fauxqs.js';

useDummyAwsCredentials();

let fauxqs: Fauxqs;
let system: SqsQueueSystem;

before(async () => {
  fauxqs = await startFauxqs();
  system = new SqsQueueSystem({ region: fauxqs.region, endpoint: fauxqs.endpoint, abortCheckSeconds: 1 });
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
  test('create sets the visibility timeout and a redrive policy pointing at the dead-letter queue ARN', async () => {
    await system.create('attr-req', { visibilityTimeoutSeconds: 45, deadLetter: { queueName: 'attr-dlq', maxReceiveCount: 3 } });
    const attributes = await attributesOf('attr-req');
    assert.equal(attributes.VisibilityTimeout, '45');
    const policy = JSON.parse(attributes.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: unknown };
    assert.equal(policy.deadLetterTargetArn, (await attributesOf('attr-dlq')).QueueArn);
    assert.equal(Number(policy.maxReceiveCount), 3);
  });

  test('creating again with other settings updates the existing queue; opening it changes nothing', async () => {
    const first = await system.create('attr-change', { visibilityTimeoutSeconds: 10 });
    await first.send('kept across the update');
    await system.create('attr-change', { visibilityTimeoutSeconds: 20, deadLetter: { queueName: 'attr-change-dlq', maxReceiveCount: 5 } });
    assert.equal((await attributesOf('attr-change')).VisibilityTimeout, '20');
    // Another process (a fresh system, no cached URL) opening it changes nothing.
    const other = new SqsQueueSystem({ region: fauxqs.region, endpoint: fauxqs.endpoint });
    const again = await other.open('attr-change');
    await other.close();
    const attributes = await attributesOf('attr-change');
    assert.equal(attributes.VisibilityTimeout, '20');
    assert.equal(Number((JSON.parse(attributes.RedrivePolicy ?? '{}') as { maxReceiveCount?: unknown }).maxReceiveCount), 5);
    assert.equal((await again.depth()).visible, 1);
  });

  // (On AWS the name is refused for 60 s after the deletion: create then rejects with BACKEND_UNAVAILABLE.)
  test('a queue removed behind the cached URL is created again by create', async () => {
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

describe('unreachable endpoint', () => {
  test('SQS calls reject with a retryable BackendUnavailableError', async () => {
    const down = await startFauxqs();
    const queues = new SqsQueueSystem({ region: down.region, client: new SQSClient({ region: down.region, endpoint: down.endpoint, maxAttempts: 1 }) });
    const queue = await queues.create('soon-unreachable');
    await down.stop();
    for (const call of [() => queue.send('x'), () => queue.receive()]) await assert.rejects(call(), isUnreachable);
    await queues.close();
  });
});
