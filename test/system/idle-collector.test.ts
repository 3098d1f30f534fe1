import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { fullCollection, startIdleCollector, type BodyTraffic } from '../../src/system/idle-collector.js';

const MiB = 1024 * 1024;
let traffic: BodyTraffic;
let collections = 0;

beforeEach(() => {
  mock.timers.enable({ apis: ['setInterval'] });
  traffic = { bodyBytesHeld: 0, bodyBytesAdmitted: 0 };
  collections = 0;
});
afterEach(() => mock.timers.reset());

function start(): () => void {
  return startIdleCollector({ traffic: () => traffic, thresholdBytes: 32 * MiB, intervalMs: 1000, collect: () => (collections += 1) });
}

test('collects once after a burst, when a whole interval passed with no new body and none held', () => {
  const stop = start();
  traffic = { bodyBytesHeld: 20 * MiB, bodyBytesAdmitted: 40 * MiB };
  mock.timers.tick(1000);
  assert.equal(collections, 0, 'bodies still held');
  traffic = { bodyBytesHeld: 0, bodyBytesAdmitted: 40 * MiB };
  mock.timers.tick(1000);
  assert.equal(collections, 1, 'idle for an interval after 40 MiB passed');
  mock.timers.tick(5000);
  assert.equal(collections, 1, 'one collection per idle spell');
  stop();
});

test('does not collect while bodies keep arriving, nor after less than the threshold', () => {
  const stop = start();
  for (let second = 1; second <= 5; second++) {
    traffic = { bodyBytesHeld: 0, bodyBytesAdmitted: second * 10 * MiB };
    mock.timers.tick(1000);
  }
  assert.equal(collections, 0, 'a new body in every interval is not idle');
  mock.timers.tick(1000);
  assert.equal(collections, 1);
  traffic = { bodyBytesHeld: 0, bodyBytesAdmitted: 60 * MiB };
  mock.timers.tick(3000);
  assert.equal(collections, 1, '10 MiB since the last collection is under the threshold');
  stop();
});

test('V8 gives a full collection without --expose-gc, and it frees unreachable external memory', () => {
  const collect = fullCollection();
  assert.equal(typeof collect, 'function');
  const before = process.memoryUsage().arrayBuffers;
  (() => {
    const garbage = Array.from({ length: 16 }, () => Buffer.alloc(4 * MiB, 1));
    assert.equal(garbage.length, 16);
  })();
  assert.ok(process.memoryUsage().arrayBuffers >= before + 48 * MiB, 'the buffers were allocated');
  collect!();
  assert.ok(process.memoryUsage().arrayBuffers < before + 16 * MiB, `collected: ${process.memoryUsage().arrayBuffers} vs ${before}`);
});
