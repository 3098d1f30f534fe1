import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { InferenceSession } from 'onnxruntime-node';
import { faceGraphSources, type GraphSource } from '../../../src/recognition/onnx/model-cache.js';
import { machineKey, openOptimizedSession } from '../../../src/recognition/onnx/optimized-sessions.js';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
const SESSION = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' as const };
const SIDE = 128;

/** The detector's output on a fixed pattern. */
async function outputOf(session: InferenceSession): Promise<Float32Array> {
  const input = new Float32Array(3 * SIDE * SIDE).map((_, i) => ((i * 7919) % 255) / 255);
  const result = await session.run({ input: new ort.Tensor('float32', input, [1, 3, SIDE, SIDE]) });
  return result.output!.data as Float32Array;
}

/** The detector's source, counting how often its graph is read or built. */
async function countedDetector(cacheDir: string): Promise<{ source: GraphSource; loads: () => number }> {
  const detector = (await faceGraphSources(cacheDir)).find((s) => s.name === 'detector')!;
  let loads = 0;
  return { source: { ...detector, load: () => (loads++, detector.load()) }, loads: () => loads };
}

describe('sessions from a saved optimized graph', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-optimized-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the first start optimizes and saves; the next opens the saved graph without the graph and answers the same', async () => {
    const cacheDir = join(dir, 'cache');
    const options = { cacheDir, machine: machineKey(ort.env.versions.node ?? '', 1), session: SESSION };
    const first = await countedDetector(cacheDir);
    const optimizedNow = await openOptimizedSession(ort, first.source, options);
    assert.equal(first.loads(), 1);
    const saved = (await readdir(cacheDir)).filter((f) => f.includes(`-ort-${options.machine}.onnx`));
    assert.equal(saved.length, 1, `saved: ${saved.join(', ')}`);
    const second = await countedDetector(cacheDir);
    const fromSaved = await openOptimizedSession(ort, second.source, options);
    assert.equal(second.loads(), 0, 'the saved graph is opened as it is');
    const plain = await ort.InferenceSession.create((await first.source.load()).bytes, { ...SESSION, graphOptimizationLevel: 'disabled' });
    const expected = await outputOf(plain);
    assert.deepEqual(await outputOf(fromSaved), await outputOf(optimizedNow));
    const worst = (await outputOf(fromSaved)).reduce((max, v, i) => Math.max(max, Math.abs(v - (expected[i] as number))), 0);
    assert.ok(worst < 1e-3, `largest difference from the unoptimized graph ${worst}`);
  });

  test('another machine key never meets the saved graph; a damaged saved graph is optimized and saved again', async () => {
    const cacheDir = join(dir, 'cache-2');
    const source = (await countedDetector(cacheDir)).source;
    await openOptimizedSession(ort, source, { cacheDir, machine: 'aaaaaaaaaaaa', session: SESSION });
    const other = await countedDetector(cacheDir);
    await openOptimizedSession(ort, other.source, { cacheDir, machine: 'bbbbbbbbbbbb', session: SESSION });
    assert.equal(other.loads(), 1);
    const damaged = (await readdir(cacheDir)).find((f) => f.includes('-ort-aaaaaaaaaaaa'))!;
    await writeFile(join(cacheDir, damaged), 'not a graph');
    const again = await countedDetector(cacheDir);
    const session = await openOptimizedSession(ort, again.source, { cacheDir, machine: 'aaaaaaaaaaaa', session: SESSION });
    assert.equal(again.loads(), 1);
    assert.ok((await outputOf(session)).length > 0);
    const reopened = await countedDetector(cacheDir);
    await openOptimizedSession(ort, reopened.source, { cacheDir, machine: 'aaaaaaaaaaaa', session: SESSION });
    assert.equal(reopened.loads(), 0, 'saved again after the damage');
  });
});
