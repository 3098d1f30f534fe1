/**
 * The service time the policy sizes by is measured: workers put what each answer cost them on the reply, `up`
 * keeps them per model, and the controller's observations carry the median once enough answers arrived; the
 * configured autoscaler.serviceTimeMs is the value until then.
 */
import { silentLogger } from '../../src/ports/logger.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { MeasuredServiceTime, MIN_SERVICE_SAMPLES } from '../../src/autoscaler/service-time.js';
import { loadConfig } from '../../src/config/index.js';
import { parseRecognitionReply } from '../../src/domain/messages.js';
import type { ImageModel } from '../../src/ports/image-model.js';
import type { InstancePool } from '../../src/ports/instance-pool.js';
import type { Queue } from '../../src/ports/queue.js';
import { createController } from '../../src/system/up.js';
import { createRecognitionHandler, sha256 } from '../../src/worker/recognition-handler.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

const reply = (name: string, serviceMs: number | undefined, status: 'ok' | 'failed' = 'ok') =>
  ({ status, serviceMs, model: { kind: 'custom', name, version: '1' } }) as const;

describe('MeasuredServiceTime', () => {
  test('nothing until enough answers, then the median of the recent ones', () => {
    const measured = new MeasuredServiceTime();
    for (let i = 1; i < MIN_SERVICE_SAMPLES; i++) measured.observeReply(reply('m', 40));
    assert.equal(measured.current(), undefined, 'too few answers: the configured value stands');
    measured.observeReply(reply('m', 400));
    assert.equal(measured.current(), 40, 'one slow answer does not move the median');
  });

  test('failed answers, answers without a cost and answers of no model do not count', () => {
    const measured = new MeasuredServiceTime();
    for (let i = 0; i < 10; i++) {
      measured.observeReply(reply('m', 40, 'failed'));
      measured.observeReply(reply('m', undefined));
      measured.observeReply({ status: 'ok', serviceMs: 40 });
    }
    assert.equal(measured.current(), undefined);
  });

  test('kept per model: the model that answered last is the one measured', () => {
    const measured = new MeasuredServiceTime();
    for (let i = 0; i < 10; i++) measured.observeReply(reply('old', 200));
    for (let i = 0; i < MIN_SERVICE_SAMPLES; i++) measured.observeReply(reply('new', 20));
    assert.equal(measured.current(), 20, 'not a blend with the old model');
    measured.observeReply(reply('old', 200));
    assert.equal(measured.current(), 200);
  });
});

/** A model that spends `ms` per image (the worker's work as the clock sees it). */
function slowModel(ms: number): ImageModel {
  return {
    describe: () => ({ name: 'slow', version: '1', kind: 'custom', labels: ['x'], runtime: 'test' }),
    classify: async () => {
      await delay(ms);
      return { label: 'x', labels: [{ label: 'x', score: 1 }], boxes: [], width: 1, height: 1, inferenceMs: ms };
    },
    close: async () => undefined,
  };
}

const NO_POOL: InstancePool = { list: async () => [], launch: async () => [], terminate: async () => undefined, close: async () => undefined };
const BACKLOG = { name: 'q', depth: async () => ({ visible: 50, inFlight: 0, delayed: 0 }) } as unknown as Queue;

describe('the measured service time reaches the policy', () => {
  let backends: TempBackends;
  before(async () => {
    backends = await tempBackends({});
  });
  after(async () => {
    await backends.dispose();
  });

  test('after answers arrive, the decisions size by what the workers measured instead of the configured value', async () => {
    const config = loadConfig({ autoscaler: { serviceTimeMs: 500, maxInstances: 20, latencyTargetMs: 10_000 } }, {});
    const measured = new MeasuredServiceTime();
    const controller = createController(config, BACKLOG, NO_POOL, silentLogger, measured);
    await controller.tick();
    const before = controller.status().lastDecision;
    assert.match(before?.reason ?? '', /× 500 ms/, 'the configured value until measured');

    const replyQueue = await backends.queues.create(backends.names.replyQueue('measure'));
    const handler = createRecognitionHandler({ ...backends, model: slowModel(30), workerName: 'w', maxReceiveCount: 3 });
    for (let i = 0; i < MIN_SERVICE_SAMPLES; i++) {
      const image = Buffer.from(`image ${i}`);
      await backends.store.put(backends.names.inputBucket, `p${i}.jpg`, image);
      const request = { v: 1, requestId: `r${i}`, key: `p${i}.jpg`, sha256: sha256(image), replyTo: replyQueue.name };
      assert.equal(await handler({ id: `m${i}`, body: JSON.stringify(request), receiptHandle: 'h', receiveCount: 1, sentAt: Date.now() }, new AbortController().signal), 'done');
    }
    const replies = (await replyQueue.receive({ maxMessages: 10 })).map((m) => parseRecognitionReply(m.body));
    assert.equal(replies.length, MIN_SERVICE_SAMPLES);
    for (const answer of replies) {
      assert.ok((answer.serviceMs ?? 0) >= 29, `the worker measured its 30 ms of work: ${answer.serviceMs}`);
      measured.observeReply(answer);
    }
    const serviceMs = measured.current();
    assert.ok(serviceMs !== undefined && serviceMs >= 29 && serviceMs < 500, String(serviceMs));
    await controller.tick();
    const after = controller.status().lastDecision;
    assert.match(after?.reason ?? '', new RegExp(`× ${serviceMs} ms`), after?.reason);
    assert.ok((after?.desired ?? 0) < (before?.desired ?? 0), `fewer instances for faster answers: ${before?.desired} → ${after?.desired}`);
  });
});
