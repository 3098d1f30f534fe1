import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { mirrorPad } from '../../src/recognition/mirror-pad.js';

async function randomPixels(width: number, height: number) {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { data, width, height };
}

for (const [width, height, padX, padY] of [[64, 64, 16, 16], [5, 3, 2, 1], [37, 91, 9, 23], [2, 2, 1, 1]] as const) {
  test(`mirror padding of ${width}×${height} by ${padX}/${padY} matches libvips byte for byte`, async () => {
    const pixels = await randomPixels(width, height);
    const expected = await sharp(pixels.data, { raw: { width, height, channels: 3 } })
      .extend({ left: padX, right: padX, top: padY, bottom: padY, extendWith: 'mirror' })
      .raw()
      .toBuffer();
    const padded = mirrorPad(pixels, padX, padY);
    assert.equal(padded.width, width + 2 * padX);
    assert.equal(padded.height, height + 2 * padY);
    assert.ok(padded.data.equals(expected), 'same bytes as sharp');
  });
}
