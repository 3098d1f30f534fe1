/**
 * GalleryWriter's compaction through GalleryAdmin: once the log is long enough the snapshot is rewritten and the
 * old snapshot and log removed; a worker that loaded before the compaction follows it; reindex writes a new
 * snapshot of the new model (the pin stays: a worker of the old model refuses it).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FaceEmbedder, ImageEmbedding } from '../../src/recognition/embedder.js';
import { GalleryAdmin } from '../../src/recognition/enrollment.js';
import { GalleryCache } from '../../src/recognition/gallery.js';
import { readManifest } from '../../src/recognition/gallery-layout.js';
import { LOG_PREFIX, SNAPSHOTS_PREFIX } from '../../src/recognition/gallery-store.js';
import { GalleryModelMismatchError } from '../../src/domain/errors.js';
import { MODEL_A, MODEL_B, tempStore } from './support.js';

const BUCKET = 'gallery';

const embedder: FaceEmbedder = {
  async embed(image: Buffer): Promise<ImageEmbedding> {
    const value = Number(image.toString('utf8')) / 1000;
    const face = { box: { x: 0, y: 0, width: 100, height: 100 }, score: 0.9, descriptor: new Float32Array(128).fill(value) };
    return { width: 100, height: 100, faces: [face], inferenceMs: 1 };
  },
};

const photo = (n: number) => [{ fileName: `${n}.jpg`, bytes: Buffer.from(String(n)) }];

describe('GalleryWriter', () => {
  test('compaction rewrites the snapshot, removes the old objects, and a running cache follows it', async () => {
    const t = await tempStore();
    try {
      const admin = new GalleryAdmin(t.store, BUCKET, embedder, [], MODEL_A, undefined, { compactAfter: 3 });
      await admin.addExamples('first', photo(1)); // migration: the first snapshot
      const cache = new GalleryCache(t.store, BUCKET, { refreshMs: 60_000, model: MODEL_A });
      await cache.refreshIfChanged();
      const firstSnapshot = (await readManifest(t.store, BUCKET))?.head?.snapshot;
      for (let n = 2; n <= 10; n += 1) await admin.addExamples(`s${n}`, photo(n * 10));
      await admin.removeSubject('s4');
      const head = (await readManifest(t.store, BUCKET))?.head;
      assert.ok(head !== undefined && head.snapshot !== firstSnapshot);
      assert.ok(head.log < 8, `log of ${head.log} records`);
      assert.equal((await t.store.list(BUCKET, SNAPSHOTS_PREFIX)).length, 1);
      const logged = (await t.store.list(BUCKET, LOG_PREFIX)).map((o) => o.key);
      assert.ok(logged.every((key) => key.startsWith(`${LOG_PREFIX}${head.snapshot}/`)), logged.join(', '));
      assert.equal(await cache.refreshIfChanged(), true);
      assert.deepEqual(cache.index.map((s) => s.name).sort(), ['first', 's10', 's2', 's3', 's5', 's6', 's7', 's8', 's9']);
    } finally {
      await t.cleanup();
    }
  });

  test('reindex writes a snapshot of the new model: a worker of the old one refuses it', async () => {
    const t = await tempStore();
    try {
      await new GalleryAdmin(t.store, BUCKET, embedder, [], MODEL_A).addExamples('a', photo(5));
      const summary = await new GalleryAdmin(t.store, BUCKET, embedder, [], MODEL_B).reindex();
      assert.equal(summary.subjects, 1);
      const onB = new GalleryCache(t.store, BUCKET, { refreshMs: 60_000, model: MODEL_B });
      await onB.refreshIfChanged();
      assert.deepEqual(onB.index.map((s) => s.name), ['a']);
      await assert.rejects(new GalleryCache(t.store, BUCKET, { refreshMs: 60_000, model: MODEL_A }).refreshIfChanged(), GalleryModelMismatchError);
    } finally {
      await t.cleanup();
    }
  });
});
