/**
 * A reply queue belongs to one web-tier process. Once it is gone (the process ended and removed it, or the
 * reaper did), answering it must drop the answer, not bring the queue back for good.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { QueueMessage } from '../../src/ports/queue.js';
import { DeadLetterNotifier } from '../../src/system/dead-letter-notifier.js';
import { createRecognitionHandler, sha256 } from '../../src/worker/recognition-handler.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { waitUntil } from '../helpers/wait.js';
import { fixedLabelModel } from '../helpers/fixed-model.js';
import { memoryLogger } from '../helpers/memory-logger.js';

describe('answering a reply queue that no longer exists', () => {
  let backends: TempBackends;
  before(async () => {
    backends = await tempBackends({});
  });
  after(async () => {
    await backends.dispose();
  });

  test('the worker stores the label, drops the reply, and the queue stays gone', async () => {
    const image = Buffer.from('image bytes');
    await backends.store.put(backends.names.inputBucket, 'gone.jpg', image);
    const replyTo = backends.names.replyQueue('gone1');
    const log = memoryLogger();
    const handler = createRecognitionHandler({
      ...backends,
      model: fixedLabelModel('Paul'),
      workerName: 'w',
      maxReceiveCount: 3,
      log,
    });
    const request = { v: 1, requestId: 'r1', key: 'gone.jpg', sha256: sha256(image), replyTo };
    const message: QueueMessage = { id: 'm', body: JSON.stringify(request), receiptHandle: 'h', receiveCount: 1, sentAt: Date.now() };
    assert.equal(await handler(message, new AbortController().signal), 'done');
    assert.equal((await backends.store.get(backends.names.outputBucket, 'gone')).toString(), 'Paul');
    assert.deepEqual(await backends.queues.list(replyTo), [], 'the reply queue was not re-created');
    const logged = log.lines.map((line) => line.msg);
    assert.ok(logged.some((line) => /reply (dropped|undeliverable)/.test(line)), logged.join('; '));
  });

  test('the dead-letter notifier drops its notice too', async () => {
    const replyTo = backends.names.replyQueue('gone2');
    const deadLetters = await backends.queues.create(backends.names.deadLetterQueue);
    await deadLetters.send(JSON.stringify({ v: 1, requestId: 'r2', key: 'x.jpg', sha256: 'a'.repeat(64), replyTo }));
    const notifier = new DeadLetterNotifier(backends.queues, deadLetters);
    notifier.start();
    try {
      await waitUntil('the notice dropped', async () => notifier.droppedNotices === 1, 5000);
      assert.deepEqual(await backends.queues.list(replyTo), [], 'the reply queue was not re-created');
    } finally {
      await notifier.stop();
    }
  });
});
