/** The real model on real images: backend, detection, refusals. Gallery empty here (see enrollment.test.ts). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { UnsupportedMediaError } from '../../src/domain/errors.js';
import { createFaceRecognizer, loadFaceModel, type FaceRecognizer } from '../../src/recognition/index.js';
import { demoFace, demoPhoto, flatImage, noiseImage, tempStore, type TempStore } from './support.js';

describe('face model', () => {
  let t: TempStore;
  let recognizer: FaceRecognizer;
  before(async () => {
    t = await tempStore();
    recognizer = await createFaceRecognizer({
      store: t.store,
      galleryBucket: 'gallery',
      distanceThreshold: 0.44,
      margin: 0.04,
      galleryRefreshMs: 60_000,
    });
  });
  after(async () => {
    await recognizer.close();
    await t.cleanup();
  });

  test('runs on the tfjs wasm backend', async () => {
    const model = await loadFaceModel();
    assert.equal(model.backend, 'wasm');
    assert.equal(model.tf.getBackend(), 'wasm');
    assert.equal(await loadFaceModel(), model, 'loaded once per process');
  });

  test('refuses to run without wasm (ModelUnavailableError) instead of falling back to the slow cpu backend', async () => {
    // In a child process: tfjs has one backend per process, and this one must keep its wasm backend.
    const modelModule = new URL('../../src/runtimes/tfjs-wasm.js', import.meta.url).href;
    const script = `
      const { startWasmBackend } = await import(${JSON.stringify(modelModule)});
      try { await startWasmBackend('/nonexistent-wasm-folder/'); console.log('started'); }
      catch (error) { console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message })); }`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    const outcome = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { name?: string; code?: string; message?: string };
    assert.equal(outcome.name, 'ModelUnavailableError');
    assert.equal(outcome.code, 'MODEL_UNAVAILABLE');
    assert.match(outcome.message ?? '', /wasm/);
  });

  test('finds the faces of a group photo, with boxes inside the image', async () => {
    const result = await recognizer.recognize(await demoPhoto('sample1.jpg'));
    assert.deepEqual([result.width, result.height], [1920, 1280]);
    assert.equal(result.faces.length, 3);
    for (const face of result.faces) {
      const { x, y, width, height } = face.box;
      assert.ok(x >= 0 && y >= 0 && width > 50 && height > 50, JSON.stringify(face.box));
      assert.ok(x + width <= 1920 && y + height <= 1280, JSON.stringify(face.box));
      assert.ok(face.score >= 0.4 && face.score <= 1);
      assert.equal(face.label, 'Unknown');
      assert.equal(face.distance, null);
    }
    assert.equal(result.label, 'Unknown');
    const areas = result.faces.map((f) => f.box.width * f.box.height);
    assert.deepEqual(areas, [...areas].sort((a, b) => b - a), 'largest face first');
    assert.ok(result.inferenceMs > 0);
  });

  test('finds the face of a 64x64 JPEG (quality 50), boxed inside the 64x64 image', async () => {
    const result = await recognizer.recognize(await demoFace('a2', 64, 50));
    assert.deepEqual([result.width, result.height], [64, 64]);
    assert.equal(result.faces.length, 1);
    const { x, y, width, height } = result.faces[0]?.box ?? { x: -1, y: -1, width: 0, height: 0 };
    assert.ok(x >= 0 && y >= 0 && x + width <= 64 && y + height <= 64 && width >= 15, JSON.stringify(result.faces[0]));
  });

  const noFaceImages: [string, () => Promise<Buffer>][] = [
    ['a flat gray 64x64 image', () => flatImage(64, 64, '#808080')],
    ['a flat skin-colored 250x250 image', () => flatImage(250, 250, '#c08060')],
    ['64x64 noise', () => noiseImage(64)],
    ['250x250 noise', () => noiseImage(250, 7)],
  ];
  for (const [name, make] of noFaceImages) {
    test(`${name} is NoFace`, async () => {
      const result = await recognizer.recognize(await make());
      assert.equal(result.label, 'NoFace');
      assert.deepEqual(result.faces, []);
    });
  }

  test('random bytes and a text file named .jpg are UnsupportedMediaError', async () => {
    const textFile = join(t.root, 'not-a-photo.jpg');
    await writeFile(textFile, 'This is a text file with a .jpg name.\n');
    for (const bytes of [randomBytes(2048), await readFile(textFile), Buffer.alloc(0)]) {
      await assert.rejects(recognizer.recognize(bytes), (error: unknown) => {
        assert.ok(error instanceof UnsupportedMediaError, String(error));
        assert.equal(error.code, 'UNSUPPORTED_MEDIA');
        return true;
      });
    }
  });

  test('leaves no tensors behind', async () => {
    const { tf } = await loadFaceModel();
    const image = await demoFace('b', 64, 50);
    await recognizer.recognize(image); // warm-up: first calls may create lasting kernels' state
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i += 1) await recognizer.recognize(image);
    await recognizer.recognize(await flatImage(64, 64, '#000000'));
    await recognizer.recognize(randomBytes(100)).catch(() => undefined);
    assert.equal(tf.memory().numTensors, before);
  });
});
