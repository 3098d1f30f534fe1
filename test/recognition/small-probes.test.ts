/**
 * Small degraded probes on the real model: a crop of one face at 48-56 px, JPEG quality 40, greyscale, where the
 * first pass at 160 finds nothing, is looked at at other scales before it is called NoFace.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { peoplePhoto } from '../helpers/people-photos.js';
import { createFaceEmbedder, type FaceApiEmbedder } from '../../src/recognition/index.js';

async function smallGreyCopy(fileName: string, side: number): Promise<Buffer> {
  return sharp(peoplePhoto(fileName)).grayscale().resize(side, side, { fit: 'inside' }).jpeg({ quality: 40 }).toBuffer();
}

describe('small degraded probes', () => {
  let embedder: FaceApiEmbedder;
  before(async () => {
    embedder = await createFaceEmbedder();
  });

  for (const side of [48, 56]) {
    test(`a ${side} px greyscale JPEG-40 portrait has its face found`, async () => {
      const { faces, width } = await embedder.embed(await smallGreyCopy('sean_guru2_crop.jpg', side));
      assert.equal(faces.length, 1);
      assert.ok(faces[0]!.box.width >= width / 4, `a face, not a detail: ${JSON.stringify(faces[0]!.box)}`);
    });
  }
});
