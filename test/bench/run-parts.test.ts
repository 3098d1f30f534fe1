import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBenchArgs } from '../../bench/bench-options.js';
import { median, splitAcross } from '../../bench/limit.js';
import { statusNumbers } from '../../bench/sampler.js';
import { benchEnvironment, servingUrl } from '../../bench/system-process.js';
import { probeRegion } from '../../bench/workload.js';

describe('bench flags', () => {
  test('defaults: the whole workload at concurrency 100, limit included', () => {
    const options = parseBenchArgs([]);
    assert.equal(options.requests, undefined);
    assert.equal(options.concurrency, 100);
    assert.equal(options.skipLimit, false);
    assert.equal(options.warmRequests, 30);
    assert.equal(options.demo, false);
    assert.equal(options.keep, false);
  });

  test('a quick smoke run', () => {
    const options = parseBenchArgs(['--requests', '40', '--concurrency', '10', '--skip-limit', '--warm-requests', '5', '--out-dir', '/tmp/x', '--demo']);
    assert.deepEqual(
      [options.requests, options.concurrency, options.skipLimit, options.warmRequests, options.outDir, options.demo],
      [40, 10, true, 5, '/tmp/x', true],
    );
  });

  test('--model, repeated or as a list, names the models measured side by side; face by default', () => {
    assert.deepEqual(parseBenchArgs([]).models, ['face']);
    assert.deepEqual(parseBenchArgs(['--model', 'objects']).models, ['objects']);
    assert.deepEqual(parseBenchArgs(['--model', 'face', '--model', './mine']).models, ['face', './mine']);
    assert.deepEqual(parseBenchArgs(['--models', 'face, objects,./mine', '--model', 'objects']).models, ['objects', 'face', './mine']);
  });

  test('bad numbers and unknown flags are refused', () => {
    assert.throws(() => parseBenchArgs(['--requests', '0']), /--requests must be a whole number/);
    assert.throws(() => parseBenchArgs(['--concurrency', 'many']), /--concurrency/);
    assert.throws(() => parseBenchArgs(['--fast']), /Unknown option/);
  });
});

describe('pieces of the run', () => {
  test('shares across workers differ by at most one image and keep every image once', () => {
    const shares = splitAcross(Array.from({ length: 1001 }, (_, i) => i), 2);
    assert.deepEqual(shares.map((s) => s.length), [501, 500]);
    assert.equal(new Set(shares.flat()).size, 1001);
    assert.deepEqual(splitAcross(['a'], 3), [['a'], [], []]);
  });

  test('median of odd and even counts', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), RangeError);
  });

  test('status numbers: pending + running, everything listed, backlog = visible + in flight', () => {
    const body = {
      queue: { visible: 30, inFlight: 4, delayed: 0 },
      instances: [{ state: 'running' }, { state: 'pending' }, { state: 'stopping' }],
    };
    assert.deepEqual(statusNumbers(body), { instances: 2, instancesTotal: 3, backlog: 34 });
    assert.deepEqual(statusNumbers({}), { instances: 0, instancesTotal: 0, backlog: 0 });
  });

  test('the URL `scaleface up` prints, and an environment without SCALEFACE_* settings', () => {
    assert.equal(servingUrl('scaleface: serving on http://127.0.0.1:40123  (POST / with field inputFile; GET /v1/status)'), 'http://127.0.0.1:40123');
    assert.equal(servingUrl('something else'), undefined);
    const env = benchEnvironment({ PATH: '/bin', SCALEFACE_MAX_INSTANCES: '9', SCALEFACE_CONFIG_JSON: '{}', HOME: undefined });
    assert.deepEqual(env, { PATH: '/bin', SCALEFACE_LOG_LEVEL: 'warn' });
  });

  test('demo probes: a square around the face, inside the image', () => {
    assert.deepEqual(probeRegion({ x: 100, y: 100, width: 42, height: 50 }, 1000, 1000), { left: 71, top: 75, width: 100, height: 100 });
    assert.deepEqual(probeRegion({ x: 0, y: 950, width: 42, height: 50 }, 1000, 1000), { left: 0, top: 925, width: 100, height: 75 });
  });
});
