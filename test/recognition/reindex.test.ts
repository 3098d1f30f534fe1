/**
 * GalleryAdmin and the model pin: what it records, what it refuses, and `reindex`, which recomputes a gallery
 * of another model from its stored photos. First with a fake embedder (made-up identities, descriptors that
 * say which model computed them), then once on the real model, as a worker would load the result.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GalleryModelMismatchError, UnsupportedMediaError } from '../../src/domain/errors.js';
import type { FaceEmbedder, ImageEmbedding } from '../../src/recognition/embedder.js';
import { GalleryAdmin, type SubjectReindex } from '../../src/recognition/enrollment.js';
import { createFaceEmbedder, createFaceRecognizer } from '../../src/recognition/index.js';
import { GalleryCache } from '../../src/recognition/gallery.js';
import { parseDescriptors, readManifest } from '../../src/recognition/gallery-layout.js';
import type { ModelIdentity } from '../../src/recognition/model-identity.js';
import { MODEL_A, MODEL_B, demoFace, tempStore, type TempStore } from './support.js';

const BUCKET = 'gallery';

/** Every face's descriptor is filled with `value`: which embedder computed it shows in the gallery. */
function fakeEmbedder(value: number): FaceEmbedder {
  return {
    async embed(image: Buffer): Promise<ImageEmbedding> {
      const text = image.toString('utf8');
      if (text.startsWith('garbage')) throw new UnsupportedMediaError('not an image');
      const faces = text.startsWith('noface')
        ? []
        : [{ box: { x: 0, y: 0, width: 100, height: 100 }, score: 0.9, descriptor: new Float32Array(128).fill(value) }];
      return { width: 100, height: 100, faces, inferenceMs: 1 };
    },
  };
}

const adminOf = (t: TempStore, model: ModelIdentity, value: number) =>
  new GalleryAdmin(t.store, BUCKET, fakeEmbedder(value), [], model);

const photo = (fileName: string, text = `face ${fileName}`) => ({ fileName, bytes: Buffer.from(text) });

async function descriptorsOf(t: TempStore, subject: string) {
  return parseDescriptors(await t.store.get(BUCKET, `descriptors/${subject}.json`), subject);
}

async function withStore(run: (t: TempStore) => Promise<void>): Promise<void> {
  const t = await tempStore();
  try {
    await run(t);
  } finally {
    await t.cleanup();
  }
}

describe('GalleryAdmin pinned to its model', () => {
  test('enrollment records its model in the manifest and in the descriptors', () =>
    withStore(async (t) => {
      await adminOf(t, MODEL_A, 0.1).addExamples('alice', [photo('1.jpg')]);
      assert.deepEqual((await readManifest(t.store, BUCKET))?.model, MODEL_A);
      assert.deepEqual((await descriptorsOf(t, 'alice')).model, MODEL_A);
    }));

  test('adding to a gallery of another model is refused (reindex first); removing keeps its model', () =>
    withStore(async (t) => {
      await adminOf(t, MODEL_A, 0.1).addExamples('alice', [photo('1.jpg')]);
      await adminOf(t, MODEL_A, 0.1).addExamples('bob', [photo('1.jpg')]);
      const before = await t.store.list(BUCKET);
      const adminB = adminOf(t, MODEL_B, 0.2);
      await assert.rejects(adminB.addExamples('carol', [photo('1.jpg')]), (error: unknown) => {
        assert.ok(error instanceof GalleryModelMismatchError, String(error));
        assert.match(error.message, /Reindex it first: scaleface gallery reindex/);
        return true;
      });
      assert.deepEqual(await t.store.list(BUCKET), before, 'nothing stored');
      await adminB.removeSubject('bob');
      assert.deepEqual((await readManifest(t.store, BUCKET))?.model, MODEL_A);
    }));

  test('reindex recomputes every subject from its photos with the new model, reporting what no longer fits', () =>
    withStore(async (t) => {
      const adminA = adminOf(t, MODEL_A, 0.1);
      await adminA.addExamples('alice', [photo('1.jpg'), photo('2.jpg')]);
      await adminA.addExamples('bob', [photo('1.jpg'), photo('2.jpg'), photo('3.jpg')]);
      await t.store.put(BUCKET, 'subjects/bob/2.jpg', Buffer.from('noface now')); // as if the new model missed it
      await t.store.put(BUCKET, 'subjects/bob/3.jpg', Buffer.from('garbage'));
      const cacheB = new GalleryCache(t.store, BUCKET, { refreshMs: 1000, model: MODEL_B });
      await assert.rejects(cacheB.refreshIfChanged(), GalleryModelMismatchError);

      const reports: SubjectReindex[] = [];
      const summary = await adminOf(t, MODEL_B, 0.2).reindex((r) => reports.push(r));
      assert.deepEqual(reports.map((r) => [r.subject, r.photos, r.examples, r.skipped.length]), [
        ['alice', 2, 2, 0],
        ['bob', 3, 1, 2],
      ]);
      assert.equal(summary.subjects, 2);
      assert.equal(summary.photos, 5);
      assert.equal(summary.examples, 3);
      assert.deepEqual(summary.skipped.map((s) => [s.subject, s.photo]), [
        ['bob', 'subjects/bob/2.jpg'],
        ['bob', 'subjects/bob/3.jpg'],
      ]);
      assert.match(summary.skipped[0]?.reason ?? '', /no face/);

      assert.deepEqual((await readManifest(t.store, BUCKET))?.model, MODEL_B);
      assert.deepEqual((await descriptorsOf(t, 'bob')).model, MODEL_B);
      assert.equal(await cacheB.refreshIfChanged(), true);
      assert.deepEqual(cacheB.index.map((s) => [s.name, s.descriptors.length]).sort(), [['alice', 2], ['bob', 1]]);
      assert.equal(cacheB.index[0]?.descriptors[0]?.[0], new Float32Array([0.2])[0], "B's descriptors");
    }));

  test('reindex of an empty gallery records the model and finds nothing to do', () =>
    withStore(async (t) => {
      const summary = await adminOf(t, MODEL_B, 0.2).reindex();
      assert.deepEqual(summary, { subjects: 0, photos: 0, examples: 0, skipped: [] });
      assert.deepEqual((await readManifest(t.store, BUCKET))?.model, MODEL_B);
    }));
});

describe('reindex on the real model', () => {
  test('a gallery enrolled under another identity stops the worker at start; after reindex it recognizes again', () =>
    withStore(async (t) => {
      const embedder = await createFaceEmbedder();
      const oldModel = { ...MODEL_A, enrollment: 1 };
      await new GalleryAdmin(t.store, BUCKET, embedder, undefined, oldModel).addExamples('A', [
        { fileName: 'a1.jpg', bytes: await demoFace('a1') },
      ]);
      const workerOptions = { store: t.store, galleryBucket: BUCKET, distanceThreshold: 0.58, margin: 0.04, galleryRefreshMs: 60_000 };
      await assert.rejects(createFaceRecognizer(workerOptions), /enrolled with test\/net.*scaleface gallery reindex/);

      const summary = await new GalleryAdmin(t.store, BUCKET, embedder).reindex();
      assert.equal(summary.subjects, 1);
      assert.ok(summary.examples >= 5, `examples: ${summary.examples}`);
      assert.deepEqual(summary.skipped, []);
      const recognizer = await createFaceRecognizer(workerOptions);
      try {
        assert.deepEqual(recognizer.gallery.index.map((s) => s.name), ['A']);
        assert.equal((await recognizer.recognize(await demoFace('a2'))).label, 'A');
      } finally {
        await recognizer.close();
      }
    }));
});
