import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { enrollFolder } from '../../src/cli/enroll.js';
import { loadConfig } from '../../src/config/index.js';
import { readExpectedLabels } from '../../src/load/expected-labels.js';
import { runLoad } from '../../src/load/runner.js';
import { computeLoadStatistics } from '../../src/load/stats.js';
import { startSystem } from '../../src/system/up.js';
import { findSeedData } from '../helpers/seed-data.js';

const seed = findSeedData();
if ('missing' in seed) console.log(`# ${seed.missing}`);

test(
  'the course workload: 100-subject gallery, 1000 images at concurrency 100, from 0 workers → 1000 correct',
  { skip: 'missing' in seed ? seed.missing : false, timeout: 15 * 60_000 },
  async () => {
    if ('missing' in seed) return;
    const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-acceptance-'));
    const system = await startSystem(loadConfig({ dataDir, logLevel: 'silent', web: { port: 0 } }, {}));
    try {
      const failedSubjects = await enrollFolder(join(seed.dir, 'gallery'), { url: system.url });
      assert.equal(failedSubjects, 0);
      assert.equal((await system.pool.list()).length, 0, 'no worker runs before the workload');
      const imagesDir = join(seed.dir, 'face_images_1000');
      const files = (await readdir(imagesDir)).filter((f) => f.endsWith('.jpg')).map((f) => join(imagesDir, f));
      const run = await runLoad({ url: system.url, files, requests: files.length, concurrency: 100, timeoutMs: 120_000 });
      const expectedLabels = await readExpectedLabels(join(seed.dir, 'classification_face_images_1000.csv'));
      const stats = computeLoadStatistics(run.outcomes, { durationMs: run.durationMs, expectedLabels });
      console.log(`# seed workload: ${stats.correct}/${stats.total} correct in ${stats.durationSeconds.toFixed(1)} s`);
      assert.equal(stats.total, 1000);
      assert.equal(stats.completed, 1000);
      assert.equal(stats.correct, 1000);
      const { store, names } = system.backends;
      assert.equal((await store.list(names.inputBucket)).length, 1000);
      assert.equal((await store.list(names.outputBucket)).length, 1000);
      assert.equal((await store.get(names.outputBucket, 'test_000')).toString(), expectedLabels.get('test_000'));
      const deadline = Date.now() + 10_000;
      while ((await system.pool.list()).some((i) => i.state !== 'stopping') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((await system.pool.list()).filter((i) => i.state !== 'stopping').length, 0, 'back to 0 instances');
    } finally {
      await system.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
