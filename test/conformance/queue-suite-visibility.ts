import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueueSuiteContext } from './queue-suite.js';
import { receiveMessages, rejectsWithCode, sleep } from './queue-suite-support.js';

/** Visibility timeouts, receipt handles, dead letters and long polls. */
export function describeQueueVisibility(context: QueueSuiteContext): void {
  describe('visibility and receipt handles', () => {
    test('an expired visibility timeout makes the message visible again, with receiveCount 2 and a new handle', async () => {
      const queue = await context.create('expiry');
      const id = await queue.send('retry me');
      const [first] = await receiveMessages(queue, 1, { visibilityTimeoutSeconds: 1 });
      assert.equal(first?.receiveCount, 1);
      assert.deepEqual(await queue.receive(), [], 'received while invisible');
      const [second] = await queue.receive({ waitTimeSeconds: 5 });
      assert.ok(second, 'not visible again after its timeout');
      assert.equal(second.id, id);
      assert.equal(second.body, 'retry me');
      assert.equal(second.receiveCount, 2);
      assert.notEqual(second.receiptHandle, first.receiptHandle);
    });

    test('deleting with a stale handle is a no-op; the current handle deletes', async () => {
      const queue = await context.create('stale');
      await queue.send('redelivered');
      const [first] = await receiveMessages(queue, 1, { visibilityTimeoutSeconds: 1 });
      const [second] = await queue.receive({ waitTimeSeconds: 5 });
      assert.ok(first && second);
      await queue.delete(first.receiptHandle);
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 1, delayed: 0 });
      await queue.changeVisibility(second.receiptHandle, 0);
      const [third] = await queue.receive({ waitTimeSeconds: 2 });
      assert.equal(third?.id, second.id, 'the stale delete removed the message');
      await queue.delete(third.receiptHandle);
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
      await queue.delete(third.receiptHandle);
    });

    test('changeVisibility extends the timeout, and 0 releases the message at once', async () => {
      const queue = await context.create('extend');
      const id = await queue.send('slow work');
      const [first] = await receiveMessages(queue, 1, { visibilityTimeoutSeconds: 1 });
      assert.ok(first);
      await queue.changeVisibility(first.receiptHandle, 4);
      assert.deepEqual(await queue.receive({ waitTimeSeconds: 2 }), [], 'received while its timeout was extended');
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 1, delayed: 0 });
      await queue.changeVisibility(first.receiptHandle, 0);
      const [again] = await queue.receive({ waitTimeSeconds: 2 });
      assert.equal(again?.id, id);
      assert.equal(again.receiveCount, 2);
    });

    test('changeVisibility with the handle of a deleted message rejects with NOT_FOUND', async () => {
      const queue = await context.create('gone');
      await queue.send('deleted soon');
      const [message] = await receiveMessages(queue, 1);
      assert.ok(message);
      await queue.delete(message.receiptHandle);
      await rejectsWithCode(queue.changeVisibility(message.receiptHandle, 10), 'NOT_FOUND');
    });

    test('after maxReceiveCount receives the message moves to the dead-letter queue', async () => {
      const deadLetters = await context.create('dlq');
      const deadLetter = { queueName: deadLetters.name, maxReceiveCount: 2 };
      const queue = await context.create('redrive', { visibilityTimeoutSeconds: 1, deadLetter });
      const id = await queue.send('poison');
      const [first] = await receiveMessages(queue, 1);
      const [second] = await queue.receive({ waitTimeSeconds: 5 });
      assert.equal(first?.receiveCount, 1);
      assert.equal(second?.receiveCount, 2);
      assert.deepEqual(await queue.receive({ waitTimeSeconds: 3 }), [], 'delivered more than maxReceiveCount times');
      const [dead] = await deadLetters.receive({ waitTimeSeconds: 5 });
      assert.ok(dead, 'the message did not reach the dead-letter queue');
      assert.equal(dead.id, id);
      assert.equal(dead.body, 'poison');
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    });
  });

  describe('long polling', () => {
    test('a long poll returns as soon as a message is sent during the wait', async () => {
      const queue = await context.create('longpoll');
      const started = Date.now();
      const sending = sleep(300).then(() => queue.send('wake up'));
      const received = await queue.receive({ waitTimeSeconds: 10 });
      const elapsed = Date.now() - started;
      await sending;
      assert.equal(received.length, 1);
      assert.equal(received[0]?.body, 'wake up');
      assert.ok(elapsed < 5000, `long poll took ${elapsed} ms of its 10 s wait`);
    });

    test('a long poll with nothing to receive returns [] after the wait time', async () => {
      const queue = await context.create('empty');
      const started = Date.now();
      assert.deepEqual(await queue.receive({ waitTimeSeconds: 1 }), []);
      assert.ok(Date.now() - started >= 900, 'returned before the wait time');
    });

    test('aborting the signal ends a long poll with [], and a later message is not lost', async () => {
      const queue = await context.create('abort', { visibilityTimeoutSeconds: 1 });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 200);
      const received = await queue.receive({ waitTimeSeconds: 20, signal: controller.signal });
      assert.deepEqual(received, []);
      assert.ok(Date.now() - started < 10_000, 'the abort did not end the wait');
      // An HTTP backend may still deliver to the abandoned poll on the server side; the message then
      // comes back after the (short) visibility timeout, so it must not be lost either way.
      const id = await queue.send('still there');
      const [message] = await receiveMessages(queue, 1);
      assert.equal(message?.id, id);
    });
  });
}
