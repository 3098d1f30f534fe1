import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../src/domain/errors.js';
import {
  bumpManifest,
  descriptorsKey,
  listStoredPhotos,
  parseDescriptors,
  readManifest,
  serializeDescriptors,
  subjectOfDescriptorsKey,
} from '../../src/recognition/gallery-layout.js';
import { MODEL_A, tempStore } from './support.js';

describe('descriptors files', () => {
  test('round trip keeps every float exactly', () => {
    const descriptor = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) / 3);
    const body = serializeDescriptors({
      subject: 'Paul',
      examples: [{ photo: 'subjects/Paul/a.jpg', variant: '64q50', descriptor }],
    }, MODEL_A);
    const parsed = parseDescriptors(body, 'x');
    assert.equal(parsed.subject, 'Paul');
    assert.deepEqual(parsed.model, MODEL_A, 'the file records the model that computed it');
    assert.equal(parsed.examples.length, 1);
    assert.equal(parsed.examples[0]?.photo, 'subjects/Paul/a.jpg');
    assert.equal(parsed.examples[0]?.variant, '64q50');
    assert.deepEqual(Array.from(parsed.examples[0]?.descriptor ?? []), Array.from(descriptor));
  });

  const broken: [string, string][] = [
    ['not JSON', '{'],
    ['wrong format', '{"format":3,"subject":"a","examples":[]}'],
    ['format 2 without a model', '{"format":2,"subject":"a","examples":[]}'],
    ['format 2 with a broken model', '{"format":2,"subject":"a","model":{"model":"x"},"examples":[]}'],
    ['short descriptor', '{"format":1,"subject":"a","examples":[{"photo":"p","variant":"v","descriptor":"AAAA"}]}'],
    ['descriptor not a string', '{"format":1,"subject":"a","examples":[{"photo":"p","variant":"v","descriptor":[1,2]}]}'],
  ];
  for (const [name, body] of broken) {
    test(`refuses a file with ${name}`, () => {
      assert.throws(() => parseDescriptors(Buffer.from(body), 'descriptors/a.json'), InvalidInputError);
    });
  }

  test('a format 1 file (written before galleries recorded their model) reads with an unknown model', () => {
    const descriptor = Buffer.alloc(512).toString('base64');
    const body = { format: 1, subject: 'Old', examples: [{ photo: 'subjects/Old/a.jpg', variant: 'original', descriptor }] };
    const parsed = parseDescriptors(Buffer.from(JSON.stringify(body)), 'descriptors/Old.json');
    assert.equal(parsed.subject, 'Old');
    assert.equal(parsed.examples.length, 1);
    assert.equal(parsed.model, undefined);
  });

  test('keys map back to their subject', () => {
    assert.equal(subjectOfDescriptorsKey(descriptorsKey('Mary Ann')), 'Mary Ann');
    assert.equal(subjectOfDescriptorsKey('descriptors/x/y.json'), undefined);
    assert.equal(subjectOfDescriptorsKey('subjects/a.json'), undefined);
    assert.equal(subjectOfDescriptorsKey('descriptors/a.txt'), undefined);
  });
});

describe('manifest and stored photos', () => {
  test('the manifest records the model; none is undefined; a legacy one has no model', async () => {
    const t = await tempStore();
    try {
      await t.store.ensureBucket('gallery');
      assert.equal(await readManifest(t.store, 'gallery'), undefined);
      assert.equal(await readManifest(t.store, 'no-such-bucket'), undefined);
      const version = await bumpManifest(t.store, 'gallery', MODEL_A, 'test');
      assert.deepEqual(await readManifest(t.store, 'gallery'), { version, model: MODEL_A });
      await t.store.put('gallery', 'manifest.json', Buffer.from('{"format":1,"version":"v1"}'));
      assert.deepEqual(await readManifest(t.store, 'gallery'), { version: 'v1' });
    } finally {
      await t.cleanup();
    }
  });

  test('listStoredPhotos lists every subject, with photos or only descriptors, by name', async () => {
    const t = await tempStore();
    try {
      for (const key of ['subjects/b/2.jpg', 'subjects/b/1.jpg', 'subjects/a/x.png', 'descriptors/c.json', 'descriptors/b.json']) {
        await t.store.put('gallery', key, Buffer.from('x'));
      }
      const listed = [...(await listStoredPhotos(t.store, 'gallery'))];
      assert.deepEqual(listed, [
        ['a', ['subjects/a/x.png']],
        ['b', ['subjects/b/1.jpg', 'subjects/b/2.jpg']],
        ['c', []],
      ]);
    } finally {
      await t.cleanup();
    }
  });
});
