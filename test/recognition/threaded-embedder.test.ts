/**
 * The web tier's enrollment embedder: the real model in a worker thread. It must answer exactly what the
 * in-process embedder answers, bring the thread's errors back as the same ScalefaceErrors, survive a
 * thread that dies, and leave the main event loop free while an enrollment runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BackendUnavailableError, ScalefaceError, UnsupportedMediaError } from '../../src/domain/errors.js';
import {
  EMBEDDING_THREAD_SCRIPT,
  ThreadedFaceEmbedder,
  createFaceEmbedder,
  type FaceEmbedder,
  type ImageEmbedding,
} from '../../src/recognition/index.js';
import { demoFace, type DemoFace } from './support.js';
import { waitUntil } from '../helpers/wait.js';

function assertSameEmbedding(threaded: ImageEmbedding, inProcess: ImageEmbedding, what: string): void {
  assert.equal(threaded.width, inProcess.width, what);
  assert.equal(threaded.height, inProcess.height, what);
  assert.equal(threaded.faces.length, inProcess.faces.length, `${what}: face count`);
  threaded.faces.forEach((face, index) => {
    const expected = inProcess.faces[index];
    assert.ok(expected);
    assert.deepEqual(face.box, expected.box, `${what}: box of face ${index}`);
    assert.ok(Math.abs(face.score - expected.score) < 1e-6, `${what}: score of face ${index}`);
    assert.ok(face.descriptor instanceof Float32Array, `${what}: descriptor type`);
    assert.equal(face.descriptor.length, 128);
    face.descriptor.forEach((value, i) => {
      const difference = Math.abs(value - (expected.descriptor[i] as number));
      assert.ok(difference < 1e-6, `${what}: face ${index} descriptor[${i}] differs by ${difference}`);
    });
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return assert.fail('expected a rejection');
}

describe('threaded face embedder', () => {
  let inProcess: FaceEmbedder;
  let threaded: ThreadedFaceEmbedder;
  before(async () => {
    inProcess = await createFaceEmbedder();
    threaded = new ThreadedFaceEmbedder();
  });
  after(async () => {
    await threaded.close();
  });

  test('returns the same faces, boxes, scores and descriptors as the in-process embedder', async () => {
    const faces: DemoFace[] = ['a1', 'b'];
    const images = await Promise.all(faces.map((face) => demoFace(face)));
    const copies = images.map((image) => Buffer.from(image));
    const fromThread = await Promise.all(images.map((image) => threaded.embed(image))); // pipelined
    for (const [index, image] of images.entries()) {
      assert.deepEqual(image, copies[index], 'the caller keeps its bytes');
      const expected = await inProcess.embed(image);
      assert.equal(expected.faces.length, 1, `one face in demo face ${faces[index]}`);
      assertSameEmbedding(fromThread[index] as ImageEmbedding, expected, `demo face ${faces[index]}`);
    }
  });

  test('spreads calls in flight over its threads, one per core by default', async () => {
    const pool = new ThreadedFaceEmbedder({ threads: 2 });
    try {
      const image = await demoFace('b');
      const expected = await inProcess.embed(image);
      const results = await Promise.all([1, 2, 3, 4].map(() => pool.embed(image)));
      assert.equal(pool.startedThreads, 2, 'both threads took calls');
      for (const result of results) assertSameEmbedding(result, expected, 'demo face b from the pool');
    } finally {
      await pool.close();
    }
  });

  test('a thread idle for idleStopMs is stopped, and the next call starts it again with the same answer', async () => {
    const pool = new ThreadedFaceEmbedder({ threads: 1, idleStopMs: 100 });
    try {
      const image = await demoFace('a1');
      const first = await pool.embed(image);
      assert.equal(pool.startedThreads, 1);
      await waitUntil('the idle thread stopped', () => pool.startedThreads === 0);
      const again = await pool.embed(image);
      assert.deepEqual(again.faces.map((f) => f.box), first.faces.map((f) => f.box));
    } finally {
      await pool.close();
    }
  });

  test('a non-image comes back as the UnsupportedMediaError the in-process embedder throws', async () => {
    const bytes = Buffer.from('this is not an image');
    const expected = await rejection(inProcess.embed(bytes));
    const error = await rejection(threaded.embed(bytes));
    assert.ok(error instanceof UnsupportedMediaError, `got ${String(error)}`);
    assert.ok(expected instanceof ScalefaceError);
    assert.equal(error.code, 'UNSUPPORTED_MEDIA');
    assert.equal(error.message, expected.message);
    assert.equal(error.retryable, expected.retryable);
    const after = await threaded.embed(await demoFace('c'));
    assert.equal(after.faces.length, 1, 'the thread keeps serving after an error');
  });
});

describe('threaded face embedder, thread crash', () => {
  let folder: string;
  let embedder: ThreadedFaceEmbedder;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sf-embedding-thread-'));
    // The real thread, plus a listener that crashes it (uncaught exception) on a one-byte request.
    const script = join(folder, 'crashing-thread.mjs');
    await writeFile(
      script,
      `import { parentPort } from 'node:worker_threads';\n` +
        `await import(${JSON.stringify(EMBEDDING_THREAD_SCRIPT.href)});\n` +
        `parentPort.on('message', ({ image }) => { if (image.length === 1) throw new Error('injected crash'); });\n`,
    );
    // One thread: the crashing call and the pending one must share it.
    embedder = new ThreadedFaceEmbedder({ threadScript: pathToFileURL(script), threads: 1 });
  });
  after(async () => {
    await embedder.close();
    await rm(folder, { recursive: true, force: true });
  });

  test('pending calls fail with a retryable BackendUnavailableError and the next call starts a new thread', async () => {
    const face = await demoFace('a1');
    const pendingCall = rejection(embedder.embed(face)); // still loading the model when the crash comes
    const crashingCall = rejection(embedder.embed(Buffer.from([0])));
    for (const error of [await crashingCall, await pendingCall]) {
      assert.ok(error instanceof BackendUnavailableError, `got ${String(error)}`);
      assert.equal(error.retryable, true);
      assert.match(error.message, /embedding thread stopped.*injected crash/);
    }
    const next = await embedder.embed(face);
    assert.equal(next.faces.length, 1);
  });
});

describe('enrollment through createGalleryAdmin', () => {
  test("runs the model in the embedding thread: the main thread (the web tier's event loop) never loads it", () => {
    const child = join(process.cwd(), 'dist/test/recognition/fixtures/enroll-on-main-thread-child.js');
    const run = spawnSync(process.execPath, [child], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      photos: { faces: number; examples: number }[];
      modelModulesOnMainThread: string[];
    };
    assert.equal(report.photos.length, 4);
    assert.ok(report.photos.every((photo) => photo.faces >= 1 && photo.examples >= 5), JSON.stringify(report.photos));
    // In-process, each photo would hold the main thread for ~330 ms of inference (measured: longest event-loop gap
    // 164 ms in-process, 10-14 ms threaded, while enrolling these 4 photos).
    assert.deepEqual(report.modelModulesOnMainThread, []);
  });
});
