/**
 * QueueConsumer on the real embedded queue: deletes only what is done, extends visibility for slow work,
 * redelivers after the delay a handler asks for, leaves a message whose handler throws, releases one whose
 * handler hangs, and stops within its bound with work in flight.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedQueueSystem } from '../../src/adapters/queue/embedded-queue.js';
import { backoffDelayMs } from '../../src/domain/backoff.js';
import type { Queue, QueueMessage } from '../../src/ports/queue.js';
import { QueueConsumer, type ConsumerOptions } from '../../src/messaging/queue-consumer.js';
import { waitUntil } from '../helpers/wait.js';

describe('QueueConsumer', () => {
  let dir: string;
  let system: EmbeddedQueueSystem;
  let counter = 0;
  const consumers: QueueConsumer[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-consumer-'));
    system = new EmbeddedQueueSystem(join(dir, 'queue.db'));
  });
  after(async () => {
    for (const consumer of consumers) await consumer.stop();
    await system.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function fresh(): Promise<Queue> {
    counter += 1;
    return system.create(`consumer-test-${counter}`, { visibilityTimeoutSeconds: 1 });
  }

  function consume(queue: Queue, options: Partial<ConsumerOptions> & Pick<ConsumerOptions, 'handler'>): { consumer: QueueConsumer; errors: string[] } {
    const errors: string[] = [];
    const consumer = new QueueConsumer({ queue, waitTimeSeconds: 1, visibilityTimeoutSeconds: 1, onError: (e, context) => errors.push(`${context}: ${e.message}`), ...options });
    consumers.push(consumer);
    consumer.start();
    return { consumer, errors };
  }

  test('slow work keeps its message invisible past the visibility timeout, then deletes it', async () => {
    const queue = await fresh();
    await queue.send('slow');
    const receipts: number[] = [];
    const { consumer } = consume(queue, {
      heartbeatSeconds: 1,
      handler: async (message) => {
        receipts.push(message.receiveCount);
        await new Promise((resolve) => setTimeout(resolve, 2600)); // 2.6 × the 1 s visibility timeout
        return 'done';
      },
    });
    await waitUntil('handled', async () => receipts.length > 0 && consumer.busy === 0, 10_000);
    assert.deepEqual(receipts, [1], 'received once: the heartbeat kept it hidden');
    assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    await consumer.stop();
  });

  test('a retry outcome redelivers after the delay asked for; a handler that throws leaves the message', async () => {
    const queue = await fresh();
    await queue.send('flaky');
    const seen: { count: number; at: number }[] = [];
    const { consumer, errors } = consume(queue, {
      handler: async (message: QueueMessage) => {
        seen.push({ count: message.receiveCount, at: Date.now() });
        if (message.receiveCount === 1) return { retryAfterSeconds: 2 };
        if (message.receiveCount === 2) throw new Error('boom');
        return 'done';
      },
    });
    await waitUntil('done on the third receive', async () => seen.length === 3 && consumer.busy === 0, 15_000);
    assert.deepEqual(seen.map((s) => s.count), [1, 2, 3]);
    assert.ok(seen[1]!.at - seen[0]!.at >= 1900, `redelivered after ${seen[1]!.at - seen[0]!.at} ms, asked 2 s`);
    assert.ok(errors.some((e) => /boom/.test(e)), errors.join('; '));
    assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    await consumer.stop();
  });

  test('a handler that hangs past its timeout: the message is released at once and handled again', async () => {
    const queue = await fresh();
    await queue.send('stuck once');
    const receives: number[] = [];
    const { consumer, errors } = consume(queue, {
      visibilityTimeoutSeconds: 30, // without the release it would come back only after 30 s
      handlerTimeoutMs: 300,
      handler: async (message) => {
        receives.push(message.receiveCount);
        if (message.receiveCount === 1) return new Promise(() => undefined); // never settles
        return 'done';
      },
    });
    await waitUntil('handled on the second receive', async () => receives.length === 2, 5000);
    assert.ok(errors.some((e) => /ran past 300 ms; message released/.test(e)), errors.join('; '));
    await waitUntil('deleted', async () => (await queue.depth()).inFlight === 0 && (await queue.depth()).visible === 0, 5000);
    await consumer.stop();
  });

  test('a handler that hangs past its timeout is aborted: its signal fires, with a reason naming the timeout', async () => {
    const queue = await fresh();
    await queue.send('stuck');
    const signals: AbortSignal[] = [];
    const { consumer } = consume(queue, {
      visibilityTimeoutSeconds: 30,
      handlerTimeoutMs: 300,
      handler: async (_message, signal) => {
        signals.push(signal);
        return new Promise(() => undefined); // never settles, whatever the signal says
      },
    });
    await waitUntil('a handler started', async () => signals.length > 0, 5000);
    assert.equal(signals[0]!.aborted, false, 'not aborted while within its timeout');
    await waitUntil('its signal aborted', async () => signals[0]!.aborted, 5000);
    const reason: unknown = signals[0]!.reason;
    assert.ok(reason instanceof Error, `the reason is an Error, got ${String(reason)}`);
    assert.match(reason.message, /ran past 300 ms/);
    await consumer.stop();
  });

  test('stop() past its bound aborts the handlers still in hand; within it, none is aborted', async () => {
    const queue = await fresh();
    await queue.send('quick');
    await queue.send('long');
    const signals = new Map<string, AbortSignal>();
    const { consumer } = consume(queue, {
      concurrency: 2,
      stopTimeoutMs: 300,
      handler: async (message, signal) => {
        signals.set(message.body, signal);
        if (message.body === 'quick') return 'done';
        return new Promise(() => undefined);
      },
    });
    await waitUntil('both started', async () => signals.size === 2, 5000);
    await consumer.stop();
    assert.equal(signals.get('quick')!.aborted, false, 'a handler that finished is not aborted');
    const long = signals.get('long')!;
    assert.equal(long.aborted, true, 'the one still in hand at the bound is aborted');
    assert.match(String((long.reason as Error).message), /stopped with 1 message\(s\) still in hand/);
  });

  test('stop() waits for work in hand, but no longer than its bound', async () => {
    const queue = await fresh();
    await queue.send('long');
    let started = false;
    const { consumer, errors } = consume(queue, {
      stopTimeoutMs: 300,
      handler: async () => {
        started = true;
        return new Promise(() => undefined);
      },
    });
    await waitUntil('the work started', async () => started, 5000);
    const before = Date.now();
    await consumer.stop();
    const took = Date.now() - before;
    assert.ok(took >= 250 && took < 2000, `stop took ${took} ms with a 300 ms bound`);
    assert.ok(errors.some((e) => /still in hand/.test(e)), errors.join('; '));
  });

  test('failed receives wait longer each time in a row, and stop() does not wait out the wait', async () => {
    const attempts: number[] = [];
    const unused = async () => assert.fail('only receive is called');
    const failing: Queue = {
      name: 'failing',
      receive: async () => {
        attempts.push(Date.now());
        throw new Error('the backend is down');
      },
      send: unused,
      changeVisibility: unused,
      delete: unused,
      depth: unused,
    };
    // random() just under 1: each wait is its cap, 100, 200, 400, 800, then 1600 ms.
    const receiveBackoff = { baseMs: 100, maxMs: 60_000, random: () => 0.999 };
    const { consumer, errors } = consume(failing, { handler: async () => 'done', receiveBackoff });
    await waitUntil('five failed receives', async () => attempts.length >= 5, 10_000);
    const gaps = attempts.slice(1, 4).map((at, i) => at - attempts[i]!);
    gaps.forEach((gap, i) => assert.ok(gap >= 100 * 2 ** i - 5, `wait ${i + 1} was ${gap} ms, under its ${100 * 2 ** i} ms`));
    assert.ok(errors.every((e) => /receive: the backend is down/.test(e)), errors.join('; '));
    // Now in the fifth wait, of 1.6 s: stop() cuts it short.
    const stopping = Date.now();
    await consumer.stop();
    assert.ok(Date.now() - stopping < 800, `stop took ${Date.now() - stopping} ms`);
    assert.equal(attempts.length, 5, 'no receive after stop');
  });
});

describe('backoffDelayMs', () => {
  test('full jitter under a cap that doubles per retry up to the maximum', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((retry) => backoffDelayMs(retry, { ...policy, random: () => 0.999999 })), [99, 199, 399, 799, 999, 999]);
    assert.equal(backoffDelayMs(5, { ...policy, random: () => 0 }), 0);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelayMs(3, policy);
      assert.ok(delay >= 0 && delay < 800);
    }
  });
});
