/**
 * The red team of issue 24 against the real `scaleface up` (a child process with its worker processes, real
 * sockets), with the limits set small so that the attacks are cheap: memory (summed RSS of up and its workers,
 * from /proc) stays bounded under a flood of async jobs and under stalled uploads, slow uploads are ended, an
 * overload is answered 200 or 503 with Retry-After within the reply timeout, every accepted job is labelled in
 * the output bucket, and a normal request is answered during each attack. bench/red-team.ts runs the same
 * attacks at the sizes. RED_TEAM_CLI=<another build's dist/src/cli/main.js> runs them on that build.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { awaitJobs, courseImage, floodJobs, noisyPng, overload, settledRssMb, stallUploads, trickleUploads, type Target } from '../../bench/red-team-attacks.js';
import { postUpload } from '../../bench/red-team-clients.js';
import { CLI_ENTRY, startSystemProcess } from '../../bench/system-process.js';
import { MULTIPART_FRAMING_BYTES } from '../../src/domain/upload-limits.js';

const MB = 1024 * 1024;
const UPLOAD_LIMIT = 3 * MB;
/** Three uploads of the largest size at once. */
const BODY_BUDGET = 3 * (UPLOAD_LIMIT + MULTIPART_FRAMING_BYTES);
const BODY_TIMEOUT_MS = 3000;
/**
 * What memory may grow by during an attack, beyond the bodies the budget lets the web tier hold (each held twice
 * at worst: the parser's chunks and the joined file): the worker decoding images of this size, and the heap
 * the web tier grows to serve hundreds of connections. Measured on this project's 2-vCPU machine (2026-12-07): 100 MB
 * at the peak and 109 MB settled with this build; 359 MB with the build before issue 24 (RED_TEAM_CLI), which
 * also fails the other three tests (40 stalled uploads and 100 trickling ones still open, 62 × 504 of 600).
 * On Node 26 the async-job flood grew by 160 MB at the peak (a clean clone's CI leg, same machine, same day), hence
 * 150 beside the bodies: still well under the 359 MB of the build without the limits.
 */
const GROWTH_BOUND_MB = (2 * BODY_BUDGET) / MB + 150;

const cli = process.env.RED_TEAM_CLI ?? CLI_ENTRY;
/** The settings issue 24 added, which a build from before it refuses as unknown (RED_TEAM_CLI runs one). */
const NEW_WEB_SETTINGS = ['bodyBudgetBytes', 'bodyTimeoutMs', 'headersTimeoutMs'];

function configFor(config: { web: Record<string, unknown> }): object {
  if (cli === CLI_ENTRY) return config;
  return { ...config, web: Object.fromEntries(Object.entries(config.web).filter(([key]) => !NEW_WEB_SETTINGS.includes(key))) };
}

async function withSystem<T>(config: { web: Record<string, unknown> }, run: (target: Target, dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-red-team-'));
  await writeFile(join(dataDir, 'scaleface.config.json'), JSON.stringify(configFor(config)));
  const system = await startSystemProcess(dataDir, process.env, 'face', cli);
  try {
    const target: Target = { url: system.url, pid: system.pid, normalImage: await courseImage() };
    const warm = await postUpload(system.url, '/', 'warm.jpg', target.normalImage);
    assert.equal(warm.status, 200, `a normal request before the attack: ${warm.body}`);
    return await run(target, dataDir);
  } finally {
    await system.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const SMALL_LIMITS = {
  web: { maxUploadBytes: UPLOAD_LIMIT, bodyBudgetBytes: BODY_BUDGET, bodyTimeoutMs: BODY_TIMEOUT_MS, headersTimeoutMs: 2000, replyTimeoutMs: 120_000 },
  // One worker, kept running: memory at rest includes it, so that growth is what the attack adds.
  autoscaler: { minInstances: 1, maxInstances: 1 },
};

async function labelledStems(dataDir: string): Promise<Set<string>> {
  return new Set(await readdir(join(dataDir, 'buckets', 'scaleface-out-bucket')));
}

describe('the red team against scaleface up, limits set small', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, () => {
  test('100 async jobs of 3 MB at concurrency 12: memory bounded and given back, 202 or 503 with Retry-After, every accepted job labelled', async (t) => {
    await withSystem(SMALL_LIMITS, async (target, dataDir) => {
      const image = await noisyPng(UPLOAD_LIMIT - 64 * 1024);
      const restMb = await settledRssMb(target.pid, 20_000);
      const flood = await floodJobs(target, image, 100, 12);
      const growth = flood.peakMb - restMb;
      t.diagnostic(`rest ${Math.round(restMb)} MB, peak ${Math.round(flood.peakMb)} MB, answers ${JSON.stringify(flood.answers)}`);
      const unexpected = Object.keys(flood.answers).filter((s) => s !== '202' && s !== '503');
      assert.deepEqual(unexpected, [], `answers ${JSON.stringify(flood.answers)}`);
      assert.equal(flood.missingRetryAfter, 0);
      assert.ok(flood.acceptedIds.length > 0, 'some jobs were accepted');
      assert.deepEqual(Object.keys(flood.probe), ['200'], `normal requests during the flood: ${JSON.stringify(flood.probe)}`);
      assert.ok(growth <= GROWTH_BOUND_MB, `memory grew by ${Math.round(growth)} MB (rest ${Math.round(restMb)} MB), bound ${Math.round(GROWTH_BOUND_MB)} MB`);
      assert.deepEqual(await awaitJobs(target.url, flood.acceptedIds, 300_000), { succeeded: flood.acceptedIds.length });
      const labelled = await labelledStems(dataDir);
      assert.deepEqual(flood.acceptedFiles.filter((f) => !labelled.has(f.replace(/\.png$/, ''))), [], 'accepted jobs without a label');
      const settled = await settledRssMb(target.pid, 60_000);
      t.diagnostic(`settled ${Math.round(settled)} MB`);
      assert.ok(settled - restMb <= GROWTH_BOUND_MB, `memory after the flood ${Math.round(settled)} MB, at rest before ${Math.round(restMb)} MB`);
    });
  });

  test('40 uploads that send 2.5 MB of 3 MB and stall: refused at once or ended at the body timeout, memory bounded, normal requests answered', async (t) => {
    await withSystem(SMALL_LIMITS, async (target) => {
      const image = await noisyPng(UPLOAD_LIMIT - 64 * 1024);
      const restMb = await settledRssMb(target.pid, 20_000);
      const held = await stallUploads(target, image, 2.5 * MB, 40, BODY_TIMEOUT_MS + 20_000);
      t.diagnostic(`rest ${Math.round(restMb)} MB, peak ${Math.round(held.peakMb)} MB, answers ${JSON.stringify(held.answered)}, still open ${held.stillOpen}`);
      assert.equal(held.stillOpen, 0, `uploads still open ${BODY_TIMEOUT_MS + 20_000} ms later`);
      assert.ok((held.answered['503'] ?? 0) >= 30, `refused at once: ${JSON.stringify(held.answered)}`);
      assert.equal(held.missingRetryAfter, 0);
      assert.deepEqual(Object.keys(held.probe), ['200'], `normal requests during the attack: ${JSON.stringify(held.probe)}`);
      assert.ok(held.peakMb - restMb <= GROWTH_BOUND_MB, `memory grew by ${Math.round(held.peakMb - restMb)} MB, bound ${Math.round(GROWTH_BOUND_MB)} MB`);
    });
  });

  test('100 uploads trickling a byte a second are all ended at the body timeout', async () => {
    await withSystem(SMALL_LIMITS, async (target) => {
      const held = await trickleUploads(target, 100, BODY_TIMEOUT_MS + 20_000);
      assert.equal(held.stillOpen, 0, `uploads still open ${BODY_TIMEOUT_MS + 20_000} ms later: ${held.stillOpen}`);
      assert.deepEqual(Object.keys(held.probe), ['200'], `normal requests during the attack: ${JSON.stringify(held.probe)}`);
    });
  });

  test('600 clients at once on one worker with a 10 s reply timeout: every one answered 200 or 503 with Retry-After, within the timeout', async (t) => {
    const replyTimeoutMs = 10_000;
    await withSystem({ ...SMALL_LIMITS, web: { ...SMALL_LIMITS.web, replyTimeoutMs } }, async (target) => {
      const result = await overload(target, 600, 1, 60_000);
      t.diagnostic(JSON.stringify(result));
      const unexpected = Object.keys(result.answers).filter((s) => s !== '200' && s !== '503');
      assert.deepEqual(unexpected, [], `answers ${JSON.stringify(result.answers)}`);
      assert.ok((result.answers['200'] ?? 0) > 0, `some were served: ${JSON.stringify(result.answers)}`);
      assert.equal(result.missingRetryAfter, 0);
      assert.ok(result.maxMs < replyTimeoutMs, `slowest answer ${result.maxMs} ms`);
    });
  });
});
