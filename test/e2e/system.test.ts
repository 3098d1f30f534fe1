import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { blankJpeg, degraded, demoPhoto } from '../helpers/images.js';
import { demoFace } from '../recognition/support.js';

async function upload(url: string, fileName: string, bytes: Buffer): Promise<{ status: number; body: string }> {
  const form = new FormData();
  form.append('inputFile', new Blob([new Uint8Array(bytes)]), fileName);
  const response = await fetch(new URL('/', url), { method: 'POST', body: form });
  return { status: response.status, body: await response.text() };
}

async function instanceCount(system: RunningSystem): Promise<number> {
  return (await system.pool.list()).filter((i) => i.state === 'pending' || i.state === 'running').length;
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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
    for (const [name, face] of [['Alice', 'a1'], ['Bea', 'b']] as const) {
      const form = new FormData();
      form.append('photos', new Blob([new Uint8Array(await demoFace(face))]), `${face}.jpg`);
      const response = await fetch(new URL(`/v1/subjects/${name}/examples`, system.url), { method: 'POST', body: form });
      assert.equal(response.status, 201, await response.text());
    }
    const listed = (await (await fetch(new URL('/v1/subjects', system.url))).json()) as { subjects: { name: string }[] };
    assert.deepEqual(listed.subjects.map((s) => s.name).sort(), ['Alice', 'Bea']);
    const probes = {
      alice_small: await degraded(await demoFace('a1')),
      bea_small: await degraded(await demoFace('b')),
      stranger: await demoFace('c'),
      empty_room: blank,
    };
    const expected = { alice_small: 'Alice', bea_small: 'Bea', stranger: 'Unknown', empty_room: 'NoFace' };
    const answers = await Promise.all(Object.entries(probes).map(([stem, bytes]) => upload(system.url, `${stem}.jpg`, bytes)));
    assert.deepEqual(answers.map((a) => `${a.status} ${a.body}`), Object.entries(expected).map(([stem, label]) => `200 ${stem}:${label}`));
    const { names, store } = system.backends;
    for (const [stem, label] of Object.entries(expected)) {
      assert.equal((await store.get(names.outputBucket, stem)).toString(), label);
      assert.deepEqual(await store.get(names.inputBucket, `${stem}.jpg`), probes[stem as keyof typeof probes]);
    }
  });

  test('scales 0 → n → 0 around a burst and answers every request', async () => {
    await waitFor('instances back at 0', async () => (await instanceCount(system)) === 0, 10_000);
    let peak = 0;
    const sampler = setInterval(() => void instanceCount(system).then((n) => (peak = Math.max(peak, n))), 20);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => upload(system.url, `burst_${i}.jpg`, i % 2 ? face : blank)),
    );
    clearInterval(sampler);
    answers.forEach((a, i) => assert.deepEqual(a, { status: 200, body: `burst_${i}:${i % 2 ? 'Unknown' : 'NoFace'}` }));
    assert.ok(peak >= 1 && peak <= 2, `peak instance count ${peak} must be within 1..2`);
    await waitFor('instances back at 0', async () => (await instanceCount(system)) === 0, 10_000);
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
