import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueueSuiteContext } from './queue-suite.js';
import { receiveMessages, rejectsWithCode, uniqueQueueName } from './queue-suite-support.js';

/** Sending, receiving, deleting, counting and argument checks. */
export function describeQueueBasics(context: QueueSuiteContext): void {
  describe('existence and listing', () => {
    test('open finds a queue that exists and never creates one; list names the queues of a prefix', async () => {
      const system = context.system();
      const prefix = uniqueQueueName('exists');
      await rejectsWithCode(system.open(`${prefix}-a`), 'NOT_FOUND');
      assert.deepEqual(await system.list(prefix), [], 'open created nothing');
      const [a, b] = [await system.create(`${prefix}-a`), await system.create(`${prefix}-b`)];
      try {
        const found = await system.open(`${prefix}-a`);
        await found.send('through the second handle');
        const [message] = await receiveMessages(a, 1);
        assert.equal(message?.body, 'through the second handle');
        assert.deepEqual(await system.list(prefix), [a.name, b.name]);
        await system.remove(a.name);
        await rejectsWithCode(system.open(a.name), 'NOT_FOUND');
        await rejectsWithCode(found.send('to a removed queue'), 'NOT_FOUND');
        assert.deepEqual(await system.list(prefix), [b.name], 'sending to a removed queue did not bring it back');
      } finally {
        await system.remove(a.name);
        await system.remove(b.name);
      }
    });
  });

  describe('send, receive, delete', () => {
    test('a message round-trips with its id, body, receive count and send time', async () => {
      const queue = await context.create('roundtrip');
      const before = Date.now();
      const id = await queue.send('{"hello":"wörld"}');
      assert.equal(typeof id, 'string');
      assert.ok(id.length > 0);
      const [message, ...rest] = await queue.receive({ waitTimeSeconds: 2 });
      assert.equal(rest.length, 0);
      assert.ok(message, 'nothing received');
      assert.equal(message.id, id);
      assert.equal(message.body, '{"hello":"wörld"}');
      assert.equal(message.receiveCount, 1);
      assert.ok(message.sentAt >= before - 1000 && message.sentAt <= Date.now() + 1000, 'sentAt is not the send time');
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 1, delayed: 0 });
      await queue.delete(message.receiptHandle);
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
      assert.deepEqual(await queue.receive(), []);
    });

    test('a body of exactly 256 KiB is accepted and comes back unchanged', async () => {
      const queue = await context.create('bigbody');
      const body = 'ab'.repeat(128 * 1024);
      await queue.send(body);
      const [message] = await receiveMessages(queue, 1);
      assert.equal(message?.body, body);
    });

    test('maxMessages bounds every receive, and every message is delivered once', async () => {
      const queue = await context.create('batch');
      const sent = new Set<string>();
      for (let i = 0; i < 15; i += 1) sent.add(await queue.send(`message ${i}`));
      const one = await queue.receive({ maxMessages: 1, waitTimeSeconds: 2 });
      assert.equal(one.length, 1);
      const three = await queue.receive({ maxMessages: 3, waitTimeSeconds: 2 });
      assert.ok(three.length >= 1 && three.length <= 3, `maxMessages 3 gave ${three.length}`);
      const rest = await receiveMessages(queue, 15 - one.length - three.length);
      const ids = [...one, ...three, ...rest].map((m) => m.id);
      assert.equal(ids.length, 15);
      assert.deepEqual(new Set(ids), sent);
    });

    test('depth counts visible, in-flight and delayed messages', async () => {
      const queue = await context.create('depth');
      await queue.send('visible 1');
      await queue.send('visible 2');
      await queue.send('to be received');
      await queue.send('delayed', { delaySeconds: 60 });
      const received = await receiveMessages(queue, 1);
      assert.equal(received.length, 1);
      assert.deepEqual(await queue.depth(), { visible: 2, inFlight: 1, delayed: 1 });
    });

    test('delaySeconds hides a message until the delay has passed', async () => {
      const queue = await context.create('delay');
      const id = await queue.send('later', { delaySeconds: 1 });
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 1 });
      assert.deepEqual(await queue.receive(), []);
      const [message] = await queue.receive({ waitTimeSeconds: 5 });
      assert.equal(message?.id, id);
      assert.equal(message.receiveCount, 1);
    });

    test('a removed queue rejects sends with NOT_FOUND; removing it again is a no-op', async () => {
      const system = context.system();
      const queue = await context.create('removed');
      await queue.send('soon gone');
      await system.remove(queue.name);
      await system.remove(queue.name);
      await rejectsWithCode(queue.send('too late'), 'NOT_FOUND');
    });
  });

  describe('invalid arguments', () => {
    test('receive, send and changeVisibility reject out-of-range values with INVALID_INPUT', async () => {
      const queue = await context.create('invalid');
      for (const options of [
        { maxMessages: 0 },
        { maxMessages: 11 },
        { waitTimeSeconds: -1 },
        { waitTimeSeconds: 21 },
        { visibilityTimeoutSeconds: -1 },
        { visibilityTimeoutSeconds: 43_201 },
      ]) {
        await rejectsWithCode(queue.receive(options), 'INVALID_INPUT');
      }
      await rejectsWithCode(queue.send(''), 'INVALID_INPUT');
      await rejectsWithCode(queue.send('x'.repeat(256 * 1024 + 1)), 'INVALID_INPUT');
      await rejectsWithCode(queue.send('x', { delaySeconds: 901 }), 'INVALID_INPUT');
      await rejectsWithCode(queue.send('x', { delaySeconds: -1 }), 'INVALID_INPUT');
      await queue.send('held');
      const [message] = await receiveMessages(queue, 1);
      assert.ok(message);
      await rejectsWithCode(queue.changeVisibility(message.receiptHandle, 43_201), 'INVALID_INPUT');
      await rejectsWithCode(queue.changeVisibility(message.receiptHandle, -1), 'INVALID_INPUT');
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 1, delayed: 0 });
    });

    test('open rejects a bad name, a bad visibility timeout and a bad dead-letter policy', async () => {
      const system = context.system();
      await rejectsWithCode(system.create('no spaces allowed'), 'INVALID_INPUT');
      await rejectsWithCode(system.create('x'.repeat(81)), 'INVALID_INPUT');
      await rejectsWithCode(system.create('conf-ok-name', { visibilityTimeoutSeconds: 43_201 }), 'INVALID_INPUT');
      const deadLetter = { queueName: 'conf-some-dlq', maxReceiveCount: 0 };
      await rejectsWithCode(system.create('conf-ok-name', { deadLetter }), 'INVALID_INPUT');
    });
  });
}
