import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { UnsupportedMediaError } from '../../src/domain/errors.js';
import { MAX_IMAGE_PIXELS } from '../../src/domain/image-structure.js';
import { decodeForDetection, toOriginalBox } from '../../src/recognition/decode.js';
import { flatImage } from './support.js';

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A real small PNG whose header claims `width` x `height` (the pixel data stays small). */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await flatImage(8, 8, '#808080'));
  // signature (8) | IHDR length (4) | "IHDR" (4) | width (4) | height (4) | ... | CRC over type+data
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

describe('decodeForDetection refuses what is not a sane image', () => {
  const cases: [string, () => Promise<Buffer>][] = [
    ['empty bytes', async () => Buffer.alloc(0)],
    ['random bytes', async () => randomBytes(4096)],
    ['a text file (as if named .jpg)', async () => Buffer.from('hello, this is not a JPEG\n'.repeat(20))],
    ['a truncated JPEG', async () => (await sharp(await flatImage(200, 200, '#c08060')).jpeg().toBuffer()).subarray(0, 300)],
    ['an SVG', async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>')],
    [`a PNG claiming more than ${MAX_IMAGE_PIXELS} pixels`, () => pngClaiming(8000, 6000)],
    ['a PNG claiming 100000 x 100000', () => pngClaiming(100_000, 100_000)],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const bytes = await make();
      await assert.rejects(decodeForDetection(bytes), (error: unknown) => {
        assert.ok(error instanceof UnsupportedMediaError, `got ${String(error)}`);
        assert.equal(error.code, 'UNSUPPORTED_MEDIA');
        return true;
      });
    });
  }
});

describe('decodeForDetection frames', () => {
  test('pads a 64x64 probe by 25 % per side with mirrored edges', async () => {
    const frame = await decodeForDetection(await flatImage(64, 64, '#336699'));
    assert.deepEqual([frame.pixels.width, frame.pixels.height, frame.padX, frame.padY], [96, 96, 16, 16]);
    assert.equal(frame.pixels.data.length, 96 * 96 * 3);
    assert.deepEqual([...frame.pixels.data.subarray(0, 3)], [0x33, 0x66, 0x99]);
  });

  test('applies EXIF orientation (6: rotate 90 degrees) before anything else', async () => {
    const landscape = await sharp(await flatImage(60, 40, '#000000')).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const frame = await decodeForDetection(landscape);
    assert.deepEqual([frame.originalWidth, frame.originalHeight], [40, 60]);
    assert.deepEqual([frame.pixels.width, frame.pixels.height], [40 + 2 * 10, 60 + 2 * 15]);
  });

  test('greyscale and transparent images come out as 3-channel RGB', async () => {
    const grey = await sharp(await flatImage(30, 20, '#777777')).greyscale().png().toBuffer();
    const transparent = await sharp({ create: { width: 30, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    for (const bytes of [grey, transparent]) {
      const frame = await decodeForDetection(bytes);
      assert.equal(frame.pixels.data.length, frame.pixels.width * frame.pixels.height * 3);
    }
    const white = await decodeForDetection(transparent);
    assert.deepEqual([...white.pixels.data.subarray(0, 3)], [255, 255, 255]);
  });

  test('shrinks images larger than the working size and leaves big ones unpadded', async () => {
    const big = await sharp(await flatImage(4000, 1000, '#101010')).jpeg().toBuffer();
    const frame = await decodeForDetection(big);
    assert.deepEqual([frame.pixels.width, frame.pixels.height, frame.padX, frame.padY], [2048, 512, 0, 0]);
    assert.equal(frame.scale, 2048 / 4000);
  });
});

describe('toOriginalBox', () => {
  const frame = { originalWidth: 64, originalHeight: 64, scale: 1, padX: 16, padY: 16 };
  const cases: [string, Parameters<typeof toOriginalBox>[0], object, ReturnType<typeof toOriginalBox>][] = [
    ['removes the padding', { x: 30, y: 26, width: 30, height: 34 }, frame, { x: 14, y: 10, width: 30, height: 34 }],
    ['clips a box reaching into the border', { x: 5, y: 70, width: 30, height: 40 }, frame, { x: 0, y: 54, width: 19, height: 10 }],
    ['undoes a shrink', { x: 100, y: 50, width: 20, height: 10 }, { originalWidth: 400, originalHeight: 200, scale: 0.5, padX: 0, padY: 0 }, { x: 200, y: 100, width: 40, height: 20 }],
  ];
  for (const [name, box, f, expected] of cases) {
    test(name, () => {
      const pixels = { data: Buffer.alloc(0), width: 0, height: 0 };
      assert.deepEqual(toOriginalBox(box, { ...(f as typeof frame), pixels }), expected);
    });
  }
});
