/**
 * Shared by the recognition tests: a temporary LocalFolderStore and faces cut from the photos that
 * ship with @vladmandic/face-api (node_modules/@vladmandic/face-api/demo/sample1..6.jpg), so the tests
 * run on a fresh clone.
 *
 * Who is who in the demo photos (1920 px group photos of 3-5 women each). Determined by detecting every
 * face (tiny detector, inputSize 416), cropping each as below and computing descriptor distances between
 * all faces of different photos, then checking the close pairs by eye:
 * - PERSON A, dark hair, heavy winged eyeliner: sample1 middle (`a1`), sample2 right (`a2`) and sample4
 *   left (`a4`). Distances a1-a4 0.51, a1-a2 0.53, a2-a4 0.56: the three smallest cross-photo distances
 *   of all 20 faces; every other cross-photo pair is >= 0.59. They also look alike.
 * - `b`: sample3 left (blonde curls), nearest face of another photo 0.60 (sample4 right).
 * - `c`: sample6, second from the left (dark hair, red dress), nearest face of another photo 0.67.
 * - `d`: sample5, front left (on the lowest step), nearest face of another photo 0.65.
 * Same-person distances across photos are 0.5-0.56 here (make-up, pose, lighting), far above the
 * near-duplicate distances of the seed workload; tests that match across photos use their own rules.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { LocalFolderStore } from '../../src/adapters/storage/local-folder.js';
import type { ModelIdentity } from '../../src/recognition/model-identity.js';

const requireHere = createRequire(import.meta.url);
export const DEMO_FOLDER = join(dirname(requireHere.resolve('@vladmandic/face-api/package.json')), 'demo');

interface Region {
  readonly photo: string;
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Squares of 2.4x the detected face width around each face, clipped to the photo. */
export const DEMO_FACES = {
  a1: { photo: 'sample1.jpg', left: 557, top: 226, width: 751, height: 751 },
  a2: { photo: 'sample2.jpg', left: 1209, top: 0, width: 665, height: 665 },
  a4: { photo: 'sample4.jpg', left: 33, top: 42, width: 658, height: 658 },
  b: { photo: 'sample3.jpg', left: 306, top: 151, width: 751, height: 751 },
  c: { photo: 'sample6.jpg', left: 410, top: 172, width: 708, height: 708 },
  d: { photo: 'sample5.jpg', left: 92, top: 676, width: 758, height: 722 },
} satisfies Record<string, Region>;

export type DemoFace = keyof typeof DEMO_FACES;

export async function demoPhoto(fileName: string): Promise<Buffer> {
  return readFile(join(DEMO_FOLDER, fileName));
}

/** One face of the demo photos, scaled to fit `size` px, as a JPEG of the given quality. */
export async function demoFace(face: DemoFace, size = 250, quality = 90): Promise<Buffer> {
  const { photo, ...region } = DEMO_FACES[face];
  return sharp(await demoPhoto(photo))
    .extract(region)
    .resize(size, size, { fit: 'inside' })
    .jpeg({ quality })
    .toBuffer();
}

export async function flatImage(width: number, height: number, color: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

/** Uniform noise (seeded, so every run sees the same picture), JPEG-encoded. */
export async function noiseImage(side: number, seed = 1): Promise<Buffer> {
  const pixels = Buffer.alloc(side * side * 3);
  let state = seed;
  for (let i = 0; i < pixels.length; i += 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    pixels[i] = state >> 23;
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

export interface TempStore {
  readonly store: LocalFolderStore;
  readonly root: string;
  cleanup(): Promise<void>;
}

export async function tempStore(): Promise<TempStore> {
  const root = await mkdtemp(join(tmpdir(), 'sf-recognition-'));
  return { store: new LocalFolderStore(root), root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Made-up model identities, for tests where which model runs matters but the model itself does not. */
export const MODEL_A: ModelIdentity = { model: 'test/net', version: '1.0.0+sha256:aaaaaaaaaaaa', enrollment: 2 };
export const MODEL_B: ModelIdentity = { model: 'test/net', version: '1.0.0+sha256:bbbbbbbbbbbb', enrollment: 2 };
