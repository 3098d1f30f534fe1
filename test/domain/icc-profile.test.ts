import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { jpegHasSrgbProfile } from '../../src/domain/icc-profile.js';
import { decodeForDetection } from '../../src/recognition/decode.js';

/** A colourful gradient, so that a colour-space conversion changes values. */
function gradient(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = (i * 7) % 256;
    data[3 * i + 1] = 255 - ((i * 3) % 256);
    data[3 * i + 2] = (i * 13) % 200;
  }
  return data;
}

function jpeg(profile?: 'srgb' | 'p3'): Promise<Buffer> {
  const image = sharp(gradient(48, 40), { raw: { width: 48, height: 40, channels: 3 } });
  return (profile === undefined ? image : image.withIccProfile(profile)).jpeg({ quality: 95 }).toBuffer();
}

describe('embedded colour profiles', () => {
  test('an sRGB profile is recognized; Display P3, no profile and broken bytes are not', async () => {
    assert.equal(jpegHasSrgbProfile(await jpeg('srgb')), true);
    assert.equal(jpegHasSrgbProfile(await jpeg('p3')), false);
    assert.equal(jpegHasSrgbProfile(await jpeg()), false);
    const truncated = (await jpeg('srgb')).subarray(0, 30);
    assert.equal(jpegHasSrgbProfile(truncated), false);
    assert.equal(jpegHasSrgbProfile(Buffer.from('not a jpeg at all')), false);
  });

  test('skipping the sRGB transform decodes the same pixels; other profiles are still converted', async () => {
    for (const profile of ['srgb', 'p3'] as const) {
      const bytes = await jpeg(profile);
      const converted = await sharp(bytes).toColourspace('srgb').raw().toBuffer();
      const ignored = await sharp(bytes, { ignoreIcc: true }).raw().toBuffer();
      const frame = await decodeForDetection(bytes, { padUpToSide: 0, padFraction: 0, maxWorkingSide: 2048 });
      assert.ok(frame.pixels.data.equals(converted), `${profile}: the pixels of a full conversion`);
      if (profile === 'p3') assert.ok(!converted.equals(ignored), 'P3 differs from sRGB: the test can tell');
    }
  });
});
