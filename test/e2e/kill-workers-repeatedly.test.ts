/**
 * Workers SIGKILLed again and again at arbitrary points of their work (receiving, reading the image, in the
 * model, writing the output, replying, deleting), while 60 requests run: every request is answered right,
 * every label is stored, nothing is dead-lettered, no two live instances ever share a name, and the fleet
 * ends at 0. (Killing one busy worker once is in system.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { activeInstances, upload } from '../helpers/http-scenarios.js';
import { blankJpeg, demoPhoto } from '../helpers/images.js';
import { waitUntil } from '../helpers/wait.js';

describe('workers killed repeatedly during a load', () => {
  let system: RunningSystem;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-chaos-'));
    const config = loadConfig(
      {
        dataDir,
        logLevel: 'silent',
        web: { port: 0, replyTimeoutMs: 120_000 },
        // Up to 10 receives: a message may be in the hands of several killed workers before one finishes it.
        queue: { visibilityTimeoutSeconds: 2, maxReceiveCount: 10 },
        autoscaler: { maxInstances: 2, idleWindowMs: 500, tickMs: 200 },
      },
      {},
    );
    system = await startSystem(config);
  });
  after(async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('every request answered right, every label stored, nothing dead-lettered, names never shared', async () => {
    const [face, blank] = [demoPhoto('sample1.jpg'), await blankJpeg()];
    const pending = Array.from({ length: 60 }, (_, i) => upload(system.url, `chaos_${i}.jpg`, i % 2 ? face : blank));
    let kills = 0;
    let sharedName: string | undefined;
    const killer = setInterval(() => {
      void system.pool.list().then((instances) => {
        const live = instances.filter((i) => i.state !== 'stopping');
        const names = live.map((i) => i.name);
        sharedName ??= names.find((name, index) => names.indexOf(name) !== index);
        const victim = live.find((i) => i.ready);
        if (victim === undefined || kills >= 8) return;
        kills += 1;
        process.kill(Number(victim.id), 'SIGKILL');
      });
    }, 350);
    const answers = await Promise.all(pending).finally(() => clearInterval(killer));
    assert.ok(kills >= 3, `only ${kills} kills happened`);
    answers.forEach((a, i) => assert.deepEqual(a, { status: 200, body: `chaos_${i}:${i % 2 ? 'Unknown' : 'NoFace'}` }));
    assert.equal(sharedName, undefined, 'two live instances shared a name');
    const { names, store, queues } = system.backends;
    assert.equal((await store.list(names.outputBucket, 'chaos_')).length, 60);
    assert.deepEqual(await (await queues.open(names.deadLetterQueue)).depth(), { visible: 0, inFlight: 0, delayed: 0 });
    await waitUntil('instances back at 0', async () => (await activeInstances(system)) === 0, 20_000);
    console.log(`# ${kills} workers killed during 60 requests: 60/60 answered right`);
  });
});
