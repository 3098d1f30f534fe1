import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { enrollFolder } from '../../src/cli/enroll.js';
import { readExpectedLabels } from '../../src/load/expected-labels.js';
import { runLoad } from '../../src/load/runner.js';
import { computeLoadStatistics } from '../../src/load/stats.js';
import type { RunningSystem } from '../../src/system/up.js';
import { activeInstances } from './http-scenarios.js';
import { waitUntil } from './wait.js';

/**
 * The course's workload against a running system: enroll `gallery/` (100 subjects), send the 1000 images of
 * `face_images_1000` at concurrency 100 starting from 0 workers, and check every answer, both buckets, and that
 * the instances rose from 0 and went back to 0.
 */
export async function checkSeedWorkload(system: RunningSystem, seedDir: string, label: string): Promise<void> {
  assert.equal((await enrollFolder(join(seedDir, 'gallery'), { url: system.url })).failed, 0, 'every subject enrolled');
  await waitUntil('0 instances before the workload', async () => (await activeInstances(system)) === 0, 15_000);
  let peak = 0;
  const sampler = setInterval(() => void activeInstances(system).then((n) => (peak = Math.max(peak, n))), 100);
  const imagesDir = join(seedDir, 'face_images_1000');
  const files = (await readdir(imagesDir)).filter((f) => f.endsWith('.jpg')).map((f) => join(imagesDir, f));
  const run = await runLoad({ url: system.url, files, requests: files.length, concurrency: 100, timeoutMs: 120_000 });
  clearInterval(sampler);
  const expectedLabels = await readExpectedLabels(join(seedDir, 'classification_face_images_1000.csv'));
  const stats = computeLoadStatistics(run.outcomes, { durationMs: run.durationMs, expectedLabels });
  console.log(`# ${label}: ${stats.correct}/${stats.total} correct in ${stats.durationSeconds.toFixed(1)} s ` +
    `(${stats.throughputPerSecond.toFixed(1)} req/s, peak ${peak} instances; failures ${JSON.stringify(stats.failuresByReason)})`);
  assert.equal(stats.total, 1000);
  assert.equal(stats.completed, 1000, `failures: ${JSON.stringify(stats.failuresByReason)}`);
  assert.equal(stats.correct, 1000);
  assert.ok(peak >= 1, 'instances rose from 0');
  const { store, names } = system.backends;
  assert.equal((await store.list(names.inputBucket)).length, 1000);
  assert.equal((await store.list(names.outputBucket)).length, 1000);
  assert.equal((await store.get(names.outputBucket, 'test_000')).toString(), expectedLabels.get('test_000'));
  await waitUntil('instances back at 0', async () => (await activeInstances(system)) === 0, 15_000);
}
