/**
 * Small degraded probes made from the seed gallery: each photo as a 48-96 px JPEG at quality 40, in colour and
 * in grey, framed whole (as the course's 64 px crops are: the 250 px photo scaled down, the face ~42 % of it) and
 * cropped tight (the central 62 %, the face ~70 % of the probe). The right answer is the photo's subject,
 * which is enrolled from that photo (as the course's images were cut from enrolled photos).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FaceEmbedder } from '../../src/recognition/index.js';
import type { GalleryProbe } from './probes.js';

export const SMALL_PROBE_SIZES = [48, 56, 64, 80, 96] as const;
const SMALL_PROBE_QUALITY = 40;
/** Side of the tight crop, as a fraction of the photo's shorter side. */
const TIGHT_CROP = 0.62;

export interface SmallProbe {
  /** `56-grey-tight` */
  readonly variant: string;
  readonly bytes: Buffer;
}

async function render(photo: Buffer, side: number, grey: boolean, tight: boolean): Promise<Buffer> {
  let image = sharp(photo);
  if (tight) {
    const { width = 0, height = 0 } = await sharp(photo).metadata();
    const crop = Math.round(Math.min(width, height) * TIGHT_CROP);
    image = image.extract({ left: Math.round((width - crop) / 2), top: Math.round((height - crop) / 2), width: crop, height: crop });
  }
  if (grey) image = image.grayscale();
  return image.resize(side, side, { fit: 'inside' }).jpeg({ quality: SMALL_PROBE_QUALITY }).toBuffer();
}

/** Every small degraded copy of one photo (20: 5 sizes x colour/grey x whole/tight). */
export async function smallProbesOf(photo: Buffer): Promise<SmallProbe[]> {
  const probes: SmallProbe[] = [];
  for (const side of SMALL_PROBE_SIZES) {
    for (const grey of [false, true]) {
      for (const tight of [false, true]) {
        const variant = `${side}-${grey ? 'grey' : 'colour'}-${tight ? 'tight' : 'whole'}`;
        probes.push({ variant, bytes: await render(photo, side, grey, tight) });
      }
    }
  }
  return probes;
}

/** The seed gallery's photos, subject by subject: `[subject, file, bytes]`. */
export async function* seedGalleryPhotos(seedDir: string, subjects?: readonly string[]): AsyncGenerator<[string, string, Buffer]> {
  const gallery = join(seedDir, 'gallery');
  for (const subject of subjects ?? (await readdir(gallery)).sort()) {
    for (const file of (await readdir(join(gallery, subject))).sort()) yield [subject, file, await readFile(join(gallery, subject, file))];
  }
}

/** Course subjects whose gallery photos the course's images were cut from (seed-data/README.md). */
const COURSE_SUBJECTS = ['Paul', 'Emily', 'Bob', 'German', 'Gerry', 'Ranil', 'Bill', 'Wang'];

async function probesOf(seedDir: string, embedder: FaceEmbedder, subjects?: readonly string[]): Promise<GalleryProbe[]> {
  const probes: GalleryProbe[] = [];
  for await (const [subject, file, photo] of seedGalleryPhotos(seedDir, subjects)) {
    for (const probe of await smallProbesOf(photo)) {
      const descriptor = (await embedder.embed(probe.bytes)).faces[0]?.descriptor;
      probes.push({ name: `${subject}/${file} ${probe.variant}`, expected: subject, descriptor, gallery: 3 });
    }
  }
  return probes;
}

/** The two small-probe sets: the course's ten photos (200 probes) and all 100 seed photos (2000). */
export async function smallProbeSets(seedDir: string, embedder: FaceEmbedder): Promise<Record<string, GalleryProbe[]>> {
  return {
    'small probes: course photos 48-96 px q40': await probesOf(seedDir, embedder, COURSE_SUBJECTS),
    'small probes: seed gallery 48-96 px q40': await probesOf(seedDir, embedder),
  };
}
