/**
 * No face where there is none, on the real model: 89 photos without a human face (animals, objects, scenes,
 * text, textures) and photos of people whose tiled passes found faces on a shirt, hands, a sign and a wheel.
 * The photos ship in test/fixtures (from darknet, OpenCV's and scikit-image's Debian packages; see their READMEs).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { createFaceEmbedder, type FaceApiEmbedder } from '../../src/recognition/index.js';

const FIXTURES = join(process.cwd(), 'test/fixtures');

interface ManifestEntry {
  readonly file: string;
}

async function photosOf(folder: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(FIXTURES, folder, 'manifest.json'), 'utf8')) as ManifestEntry[];
  return manifest.map((entry) => entry.file);
}

function photo(folder: string, file: string): Promise<Buffer> {
  return readFile(join(FIXTURES, folder, file));
}

describe('no false faces', () => {
  let embedder: FaceApiEmbedder;
  before(async () => {
    embedder = await createFaceEmbedder();
  });

  test("darknet's giraffe has no face", async () => {
    const { faces } = await embedder.embed(await photo('no-face', 'darknet-giraffe.jpg'));
    assert.deepEqual(faces.map((f) => f.box), []);
  });

  test('none of the 89 photos without a face gets one', async () => {
    const files = await photosOf('no-face');
    assert.ok(files.length >= 30, `${files.length} photos`);
    const withFaces: string[] = [];
    for (const file of files) {
      const { faces } = await embedder.embed(await photo('no-face', file));
      if (faces.length > 0) withFaces.push(`${file}: ${JSON.stringify(faces.map((f) => f.box))}`);
    }
    assert.deepEqual(withFaces, []);
  });

  test("a photo of two men, one seen from behind, gets one face: the first man's, none on the second man's shirt", async () => {
    const { faces } = await embedder.embed(await photo('group-photos', 'opencv-basketball1.jpg'));
    assert.equal(faces.length, 1, JSON.stringify(faces.map((f) => f.box)));
    assert.ok(faces[0]!.box.x < 200, `the face is the left man's: ${JSON.stringify(faces[0]!.box)}`);
  });

  test('people seen from behind beside a street sign, and hands holding a chessboard, give no face', async () => {
    for (const file of ['opencv-scenetext01.jpg', 'opencv-left05.jpg']) {
      const { faces } = await embedder.embed(await photo('group-photos', file));
      assert.deepEqual(faces.map((f) => f.box), [], file);
    }
  });

  test('small real faces that only the tiles find are kept (40 px in a 548 px photo, 87 px in a 512 px one)', async () => {
    for (const file of ['opencv-messi5.jpg', 'skimage-camera.jpg', 'skimage-astronaut.jpg']) {
      const { faces } = await embedder.embed(await photo('group-photos', file));
      assert.equal(faces.length, 1, `${file}: ${JSON.stringify(faces.map((f) => f.box))}`);
    }
  });
});
