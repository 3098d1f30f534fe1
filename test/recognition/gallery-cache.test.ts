import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ScalefaceError } from '../../src/domain/errors.js';
import { GalleryCache } from '../../src/recognition/gallery.js';
import { bumpManifest, descriptorsKey, serializeDescriptors } from '../../src/recognition/gallery-layout.js';
import { waitUntilEachTurn } from '../helpers/wait.js';
import { MODEL_A, tempStore, type TempStore } from './support.js';

const BUCKET = 'gallery';

function descriptor(value: number): Float32Array {
  return new Float32Array(128).fill(value);
}

async function writeSubject(t: TempStore, subject: string, values: number[]): Promise<void> {
  const examples = values.map((v, i) => ({ photo: `subjects/${subject}/${i}.jpg`, variant: 'original', descriptor: descriptor(v) }));
  await t.store.put(BUCKET, descriptorsKey(subject), serializeDescriptors({ subject, examples }, MODEL_A));
}

function summary(cache: GalleryCache): string[] {
  return cache.index.map((s) => `${s.name}:${s.descriptors.length}`).sort();
}

describe('GalleryCache', () => {
  let t: TempStore;
  before(async () => {
    t = await tempStore();
  });
  after(async () => t.cleanup());

  test('a missing bucket is an empty gallery', async () => {
    const cache = new GalleryCache(t.store, 'never-created', { refreshMs: 1000, model: MODEL_A });
    assert.equal(await cache.refreshIfChanged(), true);
    assert.deepEqual(cache.index, []);
    assert.equal(await cache.refreshIfChanged(), false);
  });

  test('loads every descriptors file, then re-reads only when the manifest changes', async () => {
    await t.store.ensureBucket(BUCKET);
    await writeSubject(t, 'alice', [0.1, 0.2]);
    await writeSubject(t, 'bob', [0.3]);
    await bumpManifest(t.store, BUCKET, MODEL_A, 'test');
    const cache = new GalleryCache(t.store, BUCKET, { refreshMs: 1000, model: MODEL_A });
    assert.equal(await cache.refreshIfChanged(), true);
    assert.deepEqual(summary(cache), ['alice:2', 'bob:1']);
    assert.equal(cache.index.find((s) => s.name === 'bob')?.descriptors[0]?.[5], descriptor(0.3)[5]);

    await writeSubject(t, 'carol', [0.4]); // written without announcing it
    assert.equal(await cache.refreshIfChanged(), false);
    assert.deepEqual(summary(cache), ['alice:2', 'bob:1']);

    await t.store.delete(BUCKET, descriptorsKey('alice'));
    await bumpManifest(t.store, BUCKET, MODEL_A, 'test');
    assert.equal(await cache.refreshIfChanged(), true);
    assert.deepEqual(summary(cache), ['bob:1', 'carol:1']);
  });

  test('an unreadable descriptors file is skipped and reported, the rest still loads', async () => {
    await t.store.put(BUCKET, descriptorsKey('broken'), Buffer.from('{not json'));
    await bumpManifest(t.store, BUCKET, MODEL_A, 'test');
    const errors: ScalefaceError[] = [];
    const cache = new GalleryCache(t.store, BUCKET, { refreshMs: 1000, model: MODEL_A, onError: (e) => errors.push(e) });
    await cache.refreshIfChanged();
    assert.deepEqual(summary(cache), ['bob:1', 'carol:1']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, 'INVALID_INPUT');
    assert.match(errors[0]?.message ?? '', /descriptors\/broken\.json/);
    await t.store.delete(BUCKET, descriptorsKey('broken'));
  });

  test('the timer checks the manifest every refreshMs, picks up a change made elsewhere, and stops when told', async (context) => {
    const cache = new GalleryCache(t.store, BUCKET, { refreshMs: 100, model: MODEL_A });
    await cache.refreshIfChanged();
    await writeSubject(t, 'dave', [0.5]);
    await bumpManifest(t.store, BUCKET, MODEL_A, 'test');
    context.mock.timers.enable({ apis: ['setTimeout'] });
    // A check begins with a read of the manifest's head, at once when its timer fires.
    const checks = context.mock.method(t.store, 'head');
    cache.start();
    try {
      context.mock.timers.tick(99);
      assert.equal(checks.mock.callCount(), 0, 'no check before refreshMs');
      context.mock.timers.tick(1);
      assert.equal(checks.mock.callCount(), 1, 'a check once refreshMs has passed');
      await waitUntilEachTurn('dave is picked up', () => summary(cache).includes('dave:1'), 10_000);
    } finally {
      cache.stop();
    }
    const versionWhenStopped = cache.loadedVersion;
    await writeSubject(t, 'erin', [0.6]);
    await bumpManifest(t.store, BUCKET, MODEL_A, 'test');
    const checksWhenStopped = checks.mock.callCount();
    context.mock.timers.tick(10 * 100);
    assert.equal(checks.mock.callCount(), checksWhenStopped, 'no check once stopped');
    assert.equal(cache.loadedVersion, versionWhenStopped);
    assert.ok(!summary(cache).includes('erin:1'));
  });

  test('concurrent refreshes share one read', async () => {
    await bumpManifest(t.store, BUCKET, MODEL_A, 'test');
    const cache = new GalleryCache(t.store, BUCKET, { refreshMs: 1000, model: MODEL_A });
    const [first, second] = await Promise.all([cache.refreshIfChanged(), cache.refreshIfChanged()]);
    assert.equal(first, true);
    assert.equal(second, true); // the same refresh, not a second read
    assert.equal(await cache.refreshIfChanged(), false);
  });
});
