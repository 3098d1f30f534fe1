/**
 * A gallery pinned to its model: the manifest and descriptors record the identity they were enrolled with,
 * and a GalleryCache running another model refuses the gallery. Made-up identities (support.ts): the model
 * itself is not the point here.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { GalleryModelMismatchError, type ScalefaceError } from '../../src/domain/errors.js';
import { problemOf } from '../../src/web/error-handler.js';
import { rebuildError, serializeError } from '../../src/recognition/embedding-thread-protocol.js';
import { GalleryCache } from '../../src/recognition/gallery.js';
import { bumpManifest, descriptorsKey, serializeDescriptors } from '../../src/recognition/gallery-layout.js';
import {
  ENROLLMENT_PIPELINE_VERSION,
  FACE_API_MODEL_NAME,
  currentModelIdentity,
  sameModel,
  type ModelIdentity,
} from '../../src/recognition/model-identity.js';
import { MODEL_A, MODEL_B, tempStore, type TempStore } from './support.js';

const descriptor = (value: number) => new Float32Array(128).fill(value);

async function writeSubject(t: TempStore, bucket: string, subject: string, model: ModelIdentity): Promise<void> {
  const examples = [{ photo: `subjects/${subject}/1.jpg`, variant: 'original', descriptor: descriptor(0.1) }];
  await t.store.put(bucket, descriptorsKey(subject), serializeDescriptors({ subject, examples }, model));
}

/** A descriptors file as the code before model pinning wrote it. */
async function writeLegacySubject(t: TempStore, bucket: string, subject: string): Promise<void> {
  const examples = [{ photo: `subjects/${subject}/1.jpg`, variant: 'original', descriptor: Buffer.alloc(512).toString('base64') }];
  await t.store.put(bucket, descriptorsKey(subject), Buffer.from(JSON.stringify({ format: 1, subject, examples })));
}

function cacheRunning(t: TempStore, bucket: string, model: ModelIdentity, errors: ScalefaceError[] = [], refreshMs = 1000) {
  return new GalleryCache(t.store, bucket, { refreshMs, model, onError: (e) => errors.push(e) });
}

const names = (cache: GalleryCache) => cache.index.map((s) => s.name).sort();

describe('model identity', () => {
  test('the running model: runtime-independent name, face-api version + weights digest, pipeline version', () => {
    const identity = currentModelIdentity();
    const faceApiVersion = (createRequire(import.meta.url)('@vladmandic/face-api/package.json') as { version: string }).version;
    assert.equal(identity.model, FACE_API_MODEL_NAME);
    assert.doesNotMatch(identity.model, /tfjs|wasm/);
    assert.match(identity.version, new RegExp(`^${faceApiVersion.replace(/\./g, '\\.')}\\+sha256:[0-9a-f]{12}$`));
    assert.equal(identity.enrollment, ENROLLMENT_PIPELINE_VERSION);
    assert.equal(currentModelIdentity(), identity, 'memoized');
  });

  test('sameModel compares model and version, not the enrollment pipeline', () => {
    assert.ok(sameModel(MODEL_A, { ...MODEL_A, enrollment: 1 }));
    assert.ok(!sameModel(MODEL_A, MODEL_B));
    assert.ok(!sameModel(MODEL_A, { ...MODEL_A, model: 'other/net' }));
  });

  test('MODEL_MISMATCH is a 409, not retryable, and crosses the embedding thread as itself', () => {
    const error = new GalleryModelMismatchError('enrolled with another model');
    assert.equal(error.retryable, false);
    assert.equal(problemOf(error).status, 409);
    assert.ok(rebuildError(serializeError(error)) instanceof GalleryModelMismatchError);
  });
});

describe('GalleryCache pinned to its model', () => {
  let t: TempStore;
  before(async () => {
    t = await tempStore();
  });
  after(async () => t.cleanup());

  test('a gallery enrolled with model A is refused by a cache running B, naming both and the command', async () => {
    await writeSubject(t, 'g-a', 'alice', MODEL_A);
    await bumpManifest(t.store, 'g-a', MODEL_A, 'test');
    const sameModelCache = cacheRunning(t, 'g-a', MODEL_A);
    await sameModelCache.refreshIfChanged();
    assert.deepEqual(names(sameModelCache), ['alice']);

    await assert.rejects(cacheRunning(t, 'g-a', MODEL_B).refreshIfChanged(), (error: unknown) => {
      assert.ok(error instanceof GalleryModelMismatchError, String(error));
      assert.equal(error.code, 'MODEL_MISMATCH');
      assert.match(error.message, /"g-a"/);
      assert.match(error.message, /sha256:aaaaaaaaaaaa \(enrollment pipeline 2\)/);
      assert.match(error.message, /this worker runs test\/net 1\.0\.0\+sha256:bbbbbbbbbbbb/);
      assert.match(error.message, /scaleface gallery reindex/);
      return true;
    });
  });

  test('a legacy gallery (format 1 descriptors, manifest without a model, or none) is refused', async () => {
    await writeLegacySubject(t, 'g-legacy', 'old');
    const noManifest = cacheRunning(t, 'g-legacy', MODEL_B);
    await assert.rejects(noManifest.refreshIfChanged(), /records no model.*scaleface gallery reindex/);
    await t.store.put('g-legacy', 'manifest.json', Buffer.from('{"format":1,"version":"v1"}'));
    await assert.rejects(cacheRunning(t, 'g-legacy', MODEL_B).refreshIfChanged(), GalleryModelMismatchError);
  });

  test('an empty gallery is fine, whatever its manifest records', async () => {
    const missingBucket = cacheRunning(t, 'g-none', MODEL_B);
    assert.equal(await missingBucket.refreshIfChanged(), true);
    assert.deepEqual(missingBucket.index, []);
    await t.store.ensureBucket('g-empty');
    await bumpManifest(t.store, 'g-empty', MODEL_A, 'everyone removed');
    const empty = cacheRunning(t, 'g-empty', MODEL_B);
    assert.equal(await empty.refreshIfChanged(), true);
    assert.deepEqual(empty.index, []);
  });

  test('another enrollment pipeline alone is accepted, and shown by loadedModel', async () => {
    const olderPipeline = { ...MODEL_A, enrollment: 1 };
    await writeSubject(t, 'g-pipeline', 'alice', olderPipeline);
    await bumpManifest(t.store, 'g-pipeline', olderPipeline, 'test');
    const errors: ScalefaceError[] = [];
    const cache = cacheRunning(t, 'g-pipeline', MODEL_A, errors);
    assert.equal(cache.loadedModel, undefined);
    await cache.refreshIfChanged();
    assert.deepEqual(names(cache), ['alice']);
    assert.deepEqual(cache.loadedModel, olderPipeline);
    assert.deepEqual(errors, []);
  });

  test('a stray descriptors file of another model is skipped and reported, the rest loads', async () => {
    await writeSubject(t, 'g-mixed', 'alice', MODEL_B);
    await writeSubject(t, 'g-mixed', 'bob', MODEL_A);
    await writeLegacySubject(t, 'g-mixed', 'carol');
    await bumpManifest(t.store, 'g-mixed', MODEL_B, 'test');
    const errors: ScalefaceError[] = [];
    const cache = cacheRunning(t, 'g-mixed', MODEL_B, errors);
    await cache.refreshIfChanged();
    assert.deepEqual(names(cache), ['alice']);
    assert.deepEqual(errors.map((e) => e.code), ['MODEL_MISMATCH', 'MODEL_MISMATCH']);
    assert.match(errors[0]?.message ?? '', /descriptors\/bob\.json/);
  });

  test('in the background a refusal is reported once and the gallery loaded before stays in use', async (context) => {
    await writeSubject(t, 'g-switch', 'alice', MODEL_B);
    await bumpManifest(t.store, 'g-switch', MODEL_B, 'test');
    const errors: ScalefaceError[] = [];
    const cache = cacheRunning(t, 'g-switch', MODEL_B, errors, 50);
    await cache.refreshIfChanged();
    await writeSubject(t, 'g-switch', 'alice', MODEL_A); // as another model's enrollment would
    await writeSubject(t, 'g-switch', 'bob', MODEL_A);
    await bumpManifest(t.store, 'g-switch', MODEL_A, 'test');
    context.mock.timers.enable({ apis: ['setTimeout'] });
    const checks = context.mock.method(cache, 'refreshIfChanged');
    /** One refreshMs passes: the background check it starts runs to its end. */
    const oneCheck = async () => {
      const before = checks.mock.callCount();
      context.mock.timers.tick(50);
      assert.equal(checks.mock.callCount(), before + 1, 'one check per refreshMs');
      await Promise.allSettled(checks.mock.calls.map((call) => call.result));
      await new Promise((resolve) => setImmediate(resolve));
    };
    cache.start();
    try {
      await oneCheck();
      assert.deepEqual(errors.map((e) => e.code), ['MODEL_MISMATCH'], 'the first check reports the refusal');
      for (let n = 0; n < 5; n++) await oneCheck();
    } finally {
      cache.stop();
    }
    assert.deepEqual(errors.map((e) => e.code), ['MODEL_MISMATCH'], 'five more checks report nothing more');
    assert.deepEqual(names(cache), ['alice']);
    assert.deepEqual(cache.loadedModel, MODEL_B);
  });
});
