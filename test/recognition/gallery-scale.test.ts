/**
 * What a worker reads of a gallery, counted: at start a bounded number of objects whatever the number of
 * subjects (not one descriptors file per subject), after a change only what the change added; an old gallery
 * (descriptors files and manifest only) still loads and is migrated by its first change. On the folder store
 * and on S3 (fauxqs). Enrollment runs through GalleryAdmin with a made-up embedder: the model is not the point.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createObjectStore } from '../../src/adapters/storage/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import type { FaceEmbedder, ImageEmbedding } from '../../src/recognition/embedder.js';
import { GalleryAdmin } from '../../src/recognition/enrollment.js';
import { GalleryCache } from '../../src/recognition/gallery.js';
import { bumpManifest, descriptorsKey, serializeDescriptors } from '../../src/recognition/gallery-layout.js';
import { matchDescriptor } from '../../src/recognition/matcher.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../helpers/fauxqs.js';
import { MODEL_A, tempStore, type TempStore } from './support.js';

useDummyAwsCredentials();

/** A descriptor per text, far from every other text's (distances ~0.8, like different people). */
function descriptorOf(text: string): Float32Array {
  let state = [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return Float32Array.from({ length: 128 }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return ((state >>> 8) / 2 ** 24 - 0.5) * 0.25;
  });
}

/** Every photo shows one face whose descriptor its text decides. */
const embedder: FaceEmbedder = {
  async embed(image: Buffer): Promise<ImageEmbedding> {
    const face = { box: { x: 0, y: 0, width: 100, height: 100 }, score: 0.9, descriptor: descriptorOf(image.toString('utf8')) };
    return { width: 100, height: 100, faces: [face], inferenceMs: 1 };
  },
};

/** The store, with every `get` counted. */
function counted(store: ObjectStore): { store: ObjectStore; gets: string[] } {
  const gets: string[] = [];
  const wrapped: ObjectStore = {
    ensureBucket: (bucket) => store.ensureBucket(bucket),
    put: (bucket, key, body, options) => store.put(bucket, key, body, options),
    get: (bucket, key) => {
      gets.push(key);
      return store.get(bucket, key);
    },
    head: (bucket, key) => store.head(bucket, key),
    list: (bucket, prefix) => store.list(bucket, prefix),
    delete: (bucket, key) => store.delete(bucket, key),
  };
  return { store: wrapped, gets };
}

const RULES = { distanceThreshold: 0.5, margin: 0.05 };
const BUCKET = 'gallery-scale';
const SUBJECTS = 40;
const names = (cache: GalleryCache) => cache.index.map((s) => s.name).sort();
const labelOf = (cache: GalleryCache, text: string) => matchDescriptor(cache.index, descriptorOf(text), RULES).label;

function suite(backend: string, open: () => Promise<ObjectStore>): void {
  describe(`the gallery a worker reads, ${backend}`, () => {
    let store: ObjectStore;
    let admin: GalleryAdmin;
    before(async () => {
      store = await open();
      admin = new GalleryAdmin(store, BUCKET, embedder, [], MODEL_A);
      for (let i = 0; i < SUBJECTS; i += 1) await admin.addExamples(`s${i}`, [{ fileName: 'a.jpg', bytes: Buffer.from(`face ${i}`) }]);
    });

    test('a starting worker reads a few objects, not one per subject', async () => {
      const reads = counted(store);
      const cache = new GalleryCache(reads.store, BUCKET, { refreshMs: 60_000, model: MODEL_A });
      assert.equal(await cache.refreshIfChanged(), true);
      assert.equal(cache.index.length, SUBJECTS);
      assert.equal(labelOf(cache, 'face 7'), 's7');
      // The snapshot and at most a quarter as many log records as it holds subjects (gallery-writer.ts).
      assert.ok(reads.gets.length <= 2 + SUBJECTS / 4, `read ${reads.gets.length} objects for ${SUBJECTS} subjects: ${reads.gets.slice(0, 5).join(', ')}, ...`);
    });

    test('a running worker reads only what a change added, then sees a removal', async () => {
      const reads = counted(store);
      const cache = new GalleryCache(reads.store, BUCKET, { refreshMs: 60_000, model: MODEL_A });
      await cache.refreshIfChanged();
      reads.gets.length = 0;
      await admin.addExamples('newcomer', [{ fileName: 'n.jpg', bytes: Buffer.from('face newcomer') }]);
      assert.equal(await cache.refreshIfChanged(), true);
      assert.equal(labelOf(cache, 'face newcomer'), 'newcomer');
      assert.ok(reads.gets.length <= 2, `read ${reads.gets.length} objects for one change: ${reads.gets.join(', ')}`);
      await admin.removeSubject('s3');
      assert.equal(await cache.refreshIfChanged(), true);
      assert.equal(labelOf(cache, 'face 3'), 'Unknown');
      assert.deepEqual(names(cache).includes('s3'), false);
      assert.equal(cache.index.length, SUBJECTS);
    });

    test('an old gallery (descriptors files and manifest) loads, and its first change migrates it', async () => {
      const bucket = `${BUCKET}-old`;
      await store.ensureBucket(bucket);
      for (const subject of ['old1', 'old2', 'old3']) {
        const examples = [{ photo: `subjects/${subject}/1.jpg`, variant: 'original', descriptor: descriptorOf(subject) }];
        await store.put(bucket, descriptorsKey(subject), serializeDescriptors({ subject, examples }, MODEL_A));
      }
      await bumpManifest(store, bucket, MODEL_A, 'written before snapshots');
      const before = new GalleryCache(store, bucket, { refreshMs: 60_000, model: MODEL_A });
      await before.refreshIfChanged();
      assert.deepEqual(names(before), ['old1', 'old2', 'old3']);

      await new GalleryAdmin(store, bucket, embedder, [], MODEL_A).addExamples('new1', [{ fileName: 'n.jpg', bytes: Buffer.from('new1') }]);
      const reads = counted(store);
      const after = new GalleryCache(reads.store, bucket, { refreshMs: 60_000, model: MODEL_A });
      await after.refreshIfChanged();
      assert.deepEqual(names(after), ['new1', 'old1', 'old2', 'old3']);
      assert.equal(labelOf(after, 'old2'), 'old2');
      assert.ok(!reads.gets.some((key) => key.startsWith('descriptors/')), `read ${reads.gets.join(', ')}`);
      assert.equal(await before.refreshIfChanged(), true);
      assert.deepEqual(names(before), ['new1', 'old1', 'old2', 'old3']);
    });
  });
}

let folder: TempStore | undefined;
let fauxqs: Fauxqs | undefined;
suite('on the folder store', async () => (folder = await tempStore()).store);
suite('on S3 (fauxqs)', async () => {
  fauxqs = await startFauxqs();
  const { endpoint, region } = fauxqs;
  return createObjectStore(loadConfig({ storage: { backend: 's3', s3: { endpoint, region, forcePathStyle: true } } }, {}));
});
after(async () => {
  await folder?.cleanup();
  await fauxqs?.stop();
});
