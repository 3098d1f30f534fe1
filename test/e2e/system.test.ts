import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { activeInstances, enrollAndRecognizeDemoPeople, upload, waitFor } from '../helpers/http-scenarios.js';
import { blankJpeg, demoPhoto } from '../helpers/images.js';

describe('the real system on embedded backends (web tier, autoscaler, worker processes)', () => {
  let system: RunningSystem;
  let dataDir: string;
  let face: Buffer;
  let blank: Buffer;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-e2e-'));
    const config = loadConfig(
      {
        dataDir,
        logLevel: 'silent',
        web: { port: 0 },
        queue: { visibilityTimeoutSeconds: 2 },
        autoscaler: { maxInstances: 2, idleWindowMs: 500, tickMs: 200 },
      },
      {},
    );
    system = await startSystem(config);
    face = demoPhoto('sample1.jpg');
    blank = await blankJpeg();
  });
  after(async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('enroll through the API, then uploads are recognized and stored in both buckets', async () => {
    await enrollAndRecognizeDemoPeople(system);
  });

  test('scales 0 → n → 0 around a burst and answers every request', async () => {
    await waitFor('instances back at 0', async () => (await activeInstances(system)) === 0, 10_000);
    let peak = 0;
    const sampler = setInterval(() => void activeInstances(system).then((n) => (peak = Math.max(peak, n))), 20);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => upload(system.url, `burst_${i}.jpg`, i % 2 ? face : blank)),
    );
    clearInterval(sampler);
    answers.forEach((a, i) => assert.deepEqual(a, { status: 200, body: `burst_${i}:${i % 2 ? 'Unknown' : 'NoFace'}` }));
    assert.ok(peak >= 1 && peak <= 2, `peak instance count ${peak} must be within 1..2`);
    await waitFor('instances back at 0', async () => (await activeInstances(system)) === 0, 10_000);
    await waitFor('stopped instances gone', async () => (await system.pool.list()).length === 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // one more autoscaler tick refreshes its status
    const { names, store } = system.backends;
    assert.equal((await store.list(names.inputBucket, 'burst_')).length, 8);
    assert.equal((await store.get(names.outputBucket, 'burst_1')).toString(), 'Unknown');
    const status = (await (await fetch(new URL('/v1/status', system.url))).json()) as Record<string, unknown>;
    assert.equal(status.backlog, 0);
    assert.deepEqual(status.instances, []);
    assert.match(String((status.lastDecision as { reason: string }).reason), /backlog 0/);
  });

  test('a worker killed with SIGKILL in the middle loses no request', async () => {
    const pending = Array.from({ length: 16 }, (_, i) => upload(system.url, `kill_${i}.jpg`, i % 2 ? face : blank));
    let victim: string | undefined;
    await waitFor('a busy worker', async () => {
      victim = (await system.pool.list()).find((i) => (i.busy ?? 0) > 0)?.id;
      return victim !== undefined;
    }, 20_000);
    process.kill(Number(victim), 'SIGKILL');
    const answers = await Promise.all(pending);
    answers.forEach((a, i) => assert.deepEqual(a, { status: 200, body: `kill_${i}:${i % 2 ? 'Unknown' : 'NoFace'}` }));
    const { names, store, queues } = system.backends;
    assert.equal((await store.list(names.outputBucket, 'kill_')).length, 16);
    const deadLetters = await queues.open(names.deadLetterQueue);
    assert.deepEqual(await deadLetters.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.ok(!(await system.pool.list()).some((i) => i.id === victim), 'the killed instance left the pool');
  });
});
