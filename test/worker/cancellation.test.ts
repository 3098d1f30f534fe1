/**
 * A recognition handler that is aborted (its consumer gave it up past worker.handlerTimeoutMs, or stopped past
 * worker.stopTimeoutMs) stops before its next step: it writes no label, sends no reply, and leaves the request
 * on the queue to be received again. Real embedded queue and folder storage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Classification, ImageModel } from '../../src/ports/image-model.js';
import type { QueueMessage } from '../../src/ports/queue.js';
import { QueueConsumer, type HandlerOutcome } from '../../src/messaging/queue-consumer.js';
import { createRecognitionHandler, sha256 } from '../../src/worker/recognition-handler.js';
import { fixedLabelModel } from '../helpers/fixed-model.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { waitUntil } from '../helpers/wait.js';

/** A model whose answers come only when the test says so (`answerAll`); `calls` counts the images it was given. */
function heldModel(): ImageModel & { calls: number; answerAll(): void } {
  const fixed = fixedLabelModel('Paul');
  const waiting: (() => void)[] = [];
  const model = {
    calls: 0,
    describe: fixed.describe,
    close: fixed.close,
    classify: async (image: Buffer): Promise<Classification> => {
      model.calls += 1;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return fixed.classify(image);
    },
    answerAll: () => waiting.splice(0).forEach((answer) => answer()),
  };
  return model;
}

describe('cancelling the recognition handler', () => {
  let backends: TempBackends;
  let counter = 0;
  before(async () => {
    backends = await tempBackends({});
  });
  after(async () => {
    await backends.dispose();
  });

  /** An image in the input bucket and a fresh reply queue for one request. */
  async function request(): Promise<{ key: string; stem: string; body: string; replyTo: string }> {
    counter += 1;
    const stem = `cancel-${counter}`;
    const image = Buffer.from(`image bytes ${counter}`);
    await backends.store.put(backends.names.inputBucket, `${stem}.jpg`, image);
    const replyTo = backends.names.replyQueue(`cancel${counter}`);
    await backends.queues.create(replyTo);
    const body = JSON.stringify({ v: 1, requestId: `r${counter}`, key: `${stem}.jpg`, sha256: sha256(image), replyTo });
    return { key: `${stem}.jpg`, stem, body, replyTo };
  }

  async function labelWritten(stem: string): Promise<boolean> {
    return (await backends.store.head(backends.names.outputBucket, stem)) !== undefined;
  }

  async function repliesOn(replyTo: string): Promise<number> {
    const depth = await (await backends.queues.open(replyTo)).depth();
    return depth.visible + depth.inFlight + depth.delayed;
  }

  test('a model that never returns: on abort the handler settles, leaves the request, writes and replies nothing', async () => {
    const { stem, body, replyTo } = await request();
    const model = heldModel(); // never told to answer
    const log = memoryLogger();
    const handler = createRecognitionHandler({ ...backends, model, workerName: 'w', maxReceiveCount: 3, log });
    const message: QueueMessage = { id: 'm1', body, receiptHandle: 'h1', receiveCount: 1, sentAt: Date.now() };
    const abort = new AbortController();
    const settled = handler(message, abort.signal);
    await waitUntil('the model has the image', () => model.calls === 1, 5000);
    abort.abort(new Error('the handler ran past 300 ms'));
    const outcome: HandlerOutcome = await settled;
    assert.notEqual(outcome, 'done', 'an aborted request is not deleted');
    assert.equal(await labelWritten(stem), false, 'no label written');
    assert.equal(await repliesOn(replyTo), 0, 'no reply sent');
    assert.ok(log.lines.some((line) => line.msg.includes('abandoned')), log.lines.map((l) => l.msg).join('; '));
  });

  test('an already aborted signal: the handler does not even read the image', async () => {
    const { body, replyTo } = await request();
    let reads = 0;
    const store = { ...backends.store, get: async (bucket: string, key: string) => ((reads += 1), backends.store.get(bucket, key)) };
    const handler = createRecognitionHandler({ ...backends, store, model: fixedLabelModel('Paul'), workerName: 'w', maxReceiveCount: 3 });
    const message: QueueMessage = { id: 'm2', body, receiptHandle: 'h2', receiveCount: 1, sentAt: Date.now() };
    const outcome = await handler(message, AbortSignal.abort(new Error('stopped')));
    assert.notEqual(outcome, 'done');
    assert.equal(reads, 0, 'the input was not read');
    assert.equal(await repliesOn(replyTo), 0);
  });

  test('on the real consumer: a model that answers only after the timeout and the stop writes and replies nothing', async () => {
    const { stem, body, replyTo } = await request();
    await backends.requestQueue.send(body);
    const model = heldModel();
    const recognize = createRecognitionHandler({ ...backends, model, workerName: 'w', maxReceiveCount: 5 });
    const outcomes: HandlerOutcome[] = [];
    const errors: string[] = [];
    const consumer = new QueueConsumer({
      queue: backends.requestQueue,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 30, // only the release on timeout brings the request back this soon
      handlerTimeoutMs: 300,
      stopTimeoutMs: 200,
      handler: async (message, signal) => {
        const outcome = await recognize(message, signal);
        outcomes.push(outcome);
        return outcome;
      },
      onError: (error, context) => errors.push(`${context}: ${error.message}`),
    });
    consumer.start();
    // The first receive hangs in the model past 300 ms: aborted and released, so it is received again.
    await waitUntil('the request received again after the timeout', () => model.calls === 2, 10_000);
    assert.ok(errors.some((e) => /ran past 300 ms/.test(e)), errors.join('; '));
    await consumer.stop(); // the second is still in the model at the 200 ms bound: aborted too
    model.answerAll(); // both model calls answer now, after their aborts
    await waitUntil('both handlers settled', () => outcomes.length === 2, 5000);
    assert.ok(outcomes.every((outcome) => outcome !== 'done'), JSON.stringify(outcomes));
    assert.equal(await labelWritten(stem), false, 'no label written after the abort');
    assert.equal(await repliesOn(replyTo), 0, 'no reply after the abort');
    const depth = await backends.requestQueue.depth();
    assert.equal(depth.visible + depth.inFlight + depth.delayed, 1, 'the request is still on the queue, to be received again');
  });
});
