import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ModelUnavailableError } from '../../../src/domain/errors.js';
import { faceApiModelFolder } from '../../../src/recognition/model.js';
import { loadFaceGraphs } from '../../../src/recognition/onnx/model-cache.js';

describe('the ONNX graph cache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-graphs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('builds the graphs once, then reads them from the cache', async () => {
    const cache = join(dir, 'cache');
    const first = await loadFaceGraphs(cache);
    assert.equal(first.cached, 0);
    assert.equal((await readdir(cache)).filter((f) => f.endsWith('.onnx')).length, 3);
    const second = await loadFaceGraphs(cache);
    assert.equal(second.cached, 3);
    assert.deepEqual(second.graphs.recognition, first.graphs.recognition);
  });

  test('other weights get other graphs, never a stale one', async () => {
    const cache = join(dir, 'cache-weights');
    await loadFaceGraphs(cache);
    const weights = join(dir, 'weights');
    await cp(faceApiModelFolder(), weights, { recursive: true });
    const bin = join(weights, 'face_recognition_model.bin');
    const bytes = await readFile(bin);
    bytes[100] = (bytes[100]! + 1) % 256;
    await writeFile(bin, bytes);
    const changed = await loadFaceGraphs(cache, weights);
    assert.equal(changed.cached, 2, 'detector and landmarks reused, the recognition net rebuilt');
    assert.equal((await readdir(cache)).filter((f) => f.startsWith('face_recognition_model')).length, 2);
  });

  test('a cache folder that cannot be written only costs the cache', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const graphs = await loadFaceGraphs(join(blocker, 'cache'));
    assert.equal(graphs.cached, 0);
    assert.ok(graphs.graphs.detector.length > 100_000);
  });

  test('missing weights fail with ModelUnavailableError naming the folder', async () => {
    const empty = join(dir, 'empty');
    await rm(empty, { recursive: true, force: true });
    await assert.rejects(loadFaceGraphs(undefined, empty), (error: unknown) => {
      assert.ok(error instanceof ModelUnavailableError);
      assert.match(error.message, /tiny_face_detector_model|face_landmark_68_model|face_recognition_model/);
      return true;
    });
  });
});
