/**
 * One decoding for every model family: the face pipeline (src/recognition) and the objects and custom models
 * (src/models) decode through src/imaging, and the latter import nothing of the face pipeline.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { UnsupportedMediaError } from '../../src/domain/errors.js';
import { openImage, readOrientedSize, rgbPixelsOf } from '../../src/imaging/decode-image.js';
import { decodeForModel, decodeImage } from '../../src/models/image-input.js';
import { decodeForDetection } from '../../src/recognition/decode.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** A 40 × 30 PNG with a gradient and a half-transparent half (flattened on white by every family). */
function gradientPng(): Promise<Buffer> {
  const [width, height] = [40, 30];
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([(i * 7) % 256, (i * 3) % 256, (i * 11) % 256, i % width < 20 ? 255 : 128], i * 4);
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

describe('shared image decoding', () => {
  test('the objects and custom models (and their image input) import nothing from src/recognition', () => {
    const files = [...sourceFiles(join(SRC, 'models/objects')), ...sourceFiles(join(SRC, 'models/custom')), join(SRC, 'models/image-input.ts')];
    const offending = files.filter((file) => /from '(\.\.\/)+recognition\//.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offending.map((f) => f.slice(SRC.length)), []);
  });

  test('the face pipeline and the other models decode the same bytes to the same pixels', async () => {
    const png = await gradientPng();
    const face = await decodeForDetection(png, { padUpToSide: 0, padFraction: 0, maxWorkingSide: 2048 });
    const objects = await decodeImage(png, 2048);
    const custom = await decodeForModel(png, { width: 40, height: 30, fit: 'fill' });
    assert.deepEqual([face.pixels.width, face.pixels.height], [40, 30]);
    assert.ok(face.pixels.data.equals(objects.rgb), 'face and objects pixels differ');
    assert.ok(face.pixels.data.equals(custom.rgb), 'face and custom pixels differ');
    const shared = await rgbPixelsOf(openImage(png));
    assert.ok(shared.data.equals(face.pixels.data));
    // Pixel (20, 0) is red 140 at alpha 128: flattened on white, 140 · 128/255 + 255 · 127/255 ≈ 197.
    assert.ok(Math.abs(shared.data[20 * 3]! - 197) <= 2, `red ${shared.data[20 * 3]}`);
    assert.equal(shared.data[0], 0, 'an opaque pixel keeps its value');
  });

  test('bytes that are no image are refused as unsupported media before decoding', async () => {
    await assert.rejects(readOrientedSize(Buffer.from('not an image')), UnsupportedMediaError);
    await assert.rejects(readOrientedSize(Buffer.alloc(0)), /empty/);
  });
});
