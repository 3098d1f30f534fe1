/**
 * Permission and storage faults are the machine's, not the request's: EACCES, EPERM and the other storage
 * errors that pass are retryable resource faults, and a worker whose output folder is immutable for a while
 * keeps the request (no failure reply, no delete) and writes the label once the folder takes writes again.
 * The fault is real: `chattr +i` on the bucket's folder, which binds root (see test/helpers/immutable.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asScalefaceError } from '../../src/domain/errors.js';
import type { RecognitionReply } from '../../src/domain/messages.js';
import type { Queue, QueueMessage } from '../../src/ports/queue.js';
import { createRecognitionHandler, sha256 } from '../../src/worker/recognition-handler.js';
import { fixedLabelModel } from '../helpers/fixed-model.js';
import { immutableUnsupported, setImmutable } from '../helpers/immutable.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

const PATH = '/srv/scaleface/data/buckets/scaleface-out-bucket/photo.abc.sf-tmp';

test('permission and storage errors that pass are retryable resource faults, named without their path', () => {
  for (const code of ['EACCES', 'EPERM', 'EROFS', 'EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'ENOSPC']) {
    const error = asScalefaceError(Object.assign(new Error(`${code}: refused, open '${PATH}'`), { code, syscall: 'open', path: PATH }));
    assert.equal(error.code, 'BACKEND_UNAVAILABLE', code);
    assert.equal(error.retryable, true, code);
    assert.ok(!error.message.includes('/srv'), `${code}: ${error.message}`);
  }
});

const skip = immutableUnsupported();

describe('a worker whose output bucket is immutable', { skip }, () => {
  let backends: TempBackends;
  let replyQueue: Queue;
  let outputDir: string;
  const image = Buffer.from('image bytes');

  before(async () => {
    backends = await tempBackends({});
    replyQueue = await backends.queues.create('scaleface-resp-queue-faults');
    await backends.store.put(backends.names.inputBucket, 'photo.jpg', image);
    outputDir = join(backends.dataDir, 'buckets', backends.names.outputBucket);
  });
  after(async () => {
    setImmutable([outputDir], false);
    await backends.dispose();
  });

  const handler = (faultHoldMs: number) =>
    createRecognitionHandler({ ...backends, model: fixedLabelModel('Paul'), workerName: 'w', maxReceiveCount: 3, faultHoldMs });
  const message = (requestId: string, receiveCount = 1): QueueMessage => ({
    id: requestId,
    body: JSON.stringify({ v: 1, requestId, key: 'photo.jpg', sha256: sha256(image), replyTo: replyQueue.name }),
    receiptHandle: requestId,
    receiveCount,
    sentAt: Date.now(),
  });
  const replies = async () => (await replyQueue.receive({ maxMessages: 10 })).map((m) => JSON.parse(m.body) as RecognitionReply);

  test('holds the request through a fault that passes, then writes the label and answers ok', async () => {
    setImmutable([outputDir], true);
    const handled = handler(60_000)(message('held'), new AbortController().signal);
    // The fault lasts longer than the worker's first retries.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await backends.store.head(backends.names.outputBucket, 'photo'), undefined, 'nothing written during the fault');
    setImmutable([outputDir], false);
    assert.equal(await handled, 'done');
    assert.equal((await backends.store.get(backends.names.outputBucket, 'photo')).toString(), 'Paul');
    assert.deepEqual((await replies()).map((r) => [r.requestId, r.status, r.label]), [['held', 'ok', 'Paul']]);
    await backends.store.delete(backends.names.outputBucket, 'photo');
  });

  test('past its hold it leaves the request to be received again: not deleted, no failure answered', async () => {
    setImmutable([outputDir], true);
    try {
      const outcome = await handler(300)(message('released'), new AbortController().signal);
      assert.notEqual(outcome, 'done', 'the message is not deleted');
      assert.ok(typeof outcome === 'object' && outcome.retryAfterSeconds >= 1, JSON.stringify(outcome));
      assert.deepEqual(await replies(), [], 'no reply: the requester keeps waiting');
    } finally {
      setImmutable([outputDir], false);
    }
  });
});
