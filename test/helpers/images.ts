import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

/** face-api's own demo folder: photos that ship in the npm package, so tests run on a fresh clone. */
export const DEMO_DIR = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

export function demoPhoto(name: string): Buffer {
  return readFileSync(join(DEMO_DIR, name));
}

/** Licensed photos committed with the tests (test/fixtures/photos/README.md names their sources). */
export const FIXTURE_PHOTOS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/photos');

export function fixturePhoto(name: string): Buffer {
  return readFileSync(join(FIXTURE_PHOTOS, name));
}

/** A flat grey JPEG: decodable, without any face. */
export function blankJpeg(size = 64): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer();
}

/** Shrinks and re-compresses like the course's probes (64 px, JPEG quality 50). */
export function degraded(image: Buffer, size = 64, quality = 50): Promise<Buffer> {
  return sharp(image).resize(size, size, { fit: 'cover' }).jpeg({ quality }).toBuffer();
}
