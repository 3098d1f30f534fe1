/**
 * Probe sets of the accuracy bench: what is sent, and the right answer (a subject, or undefined = Unknown).
 * Descriptors are computed once; the match rule is applied afterwards for every threshold and margin.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { distinctWorkloadImages, loadSeedWorkload } from '../workload.js';
import { overlapOfSmaller } from '../../src/recognition/face-boxes.js';
import type { FaceEmbedder } from '../../src/recognition/index.js';
import type { Probe } from '../recognition-analysis.js';
import { photosByPerson, type RealPhotoSet } from './real-photo-set.js';

/**
 * Which gallery a probe is matched against: real people enrolled from 1 or from 3 photos beside the seed
 * subjects, or the seed subjects alone (the course workload's gallery).
 */
export type GalleryName = 1 | 3 | 'seed';

/** A probe and the gallery it is matched against. */
export interface GalleryProbe extends Probe {
  readonly gallery: GalleryName;
}

async function largestFace(embedder: FaceEmbedder, bytes: Buffer): Promise<Float32Array | undefined> {
  return (await embedder.embed(bytes)).faces[0]?.descriptor;
}

/** The course's distinct images (the 1000 are 100 copies of each of 10) with their expected labels. */
export async function courseProbes(seedDir: string, embedder: FaceEmbedder): Promise<GalleryProbe[]> {
  const workload = await loadSeedWorkload(seedDir);
  const probes: GalleryProbe[] = [];
  for (const image of await distinctWorkloadImages(workload)) {
    const expected = workload.expected.get(image.stem);
    probes.push({ name: image.stem, expected, descriptor: await largestFace(embedder, image.bytes), gallery: 'seed' });
  }
  return probes;
}

/** Ways a probe differs from the course's 64 px q50 crops (other sizes and qualities, gray, crops, rotation). */
const DEGRADATIONS: Record<string, (image: Sharp) => Sharp> = {
  '48q60': (i) => i.resize(48, 48, { fit: 'inside' }).jpeg({ quality: 60 }),
  '80q35': (i) => i.resize(80, 80, { fit: 'inside' }).jpeg({ quality: 35 }),
  '112q25': (i) => i.resize(112, 112, { fit: 'inside' }).jpeg({ quality: 25 }),
  '200q15': (i) => i.resize(200, 200, { fit: 'inside' }).jpeg({ quality: 15 }),
  gray128: (i) => i.grayscale().resize(128, 128, { fit: 'inside' }).jpeg({ quality: 70 }),
  crop70: (i) => i.extract({ left: 38, top: 38, width: 175, height: 175 }).resize(128).jpeg({ quality: 70 }),
  'rotate+8': (i) => i.rotate(8, { background: '#808080' }).resize(128, 128, { fit: 'inside' }).jpeg({ quality: 70 }),
  'rotate-8': (i) => i.rotate(-8, { background: '#808080' }).resize(128, 128, { fit: 'inside' }).jpeg({ quality: 70 }),
};

/** Course subjects whose gallery photos the course's images were cut from (seed-data/README.md). */
const COURSE_SUBJECTS = ['Paul', 'Emily', 'Bob', 'German', 'Gerry', 'Ranil', 'Bill', 'Wang'];

export async function degradedCourseProbes(seedDir: string, embedder: FaceEmbedder): Promise<GalleryProbe[]> {
  const probes: GalleryProbe[] = [];
  for (const subject of COURSE_SUBJECTS) {
    for (const file of (await readdir(join(seedDir, 'gallery', subject))).sort()) {
      const photo = await readFile(join(seedDir, 'gallery', subject, file));
      for (const [name, degrade] of Object.entries(DEGRADATIONS)) {
        const bytes = await degrade(sharp(photo)).toBuffer();
        probes.push({ name: `${subject}/${file} ${name}`, expected: subject, descriptor: await largestFace(embedder, bytes), gallery: 'seed' });
      }
    }
  }
  return probes;
}

/** Index (1-based) of a real photo within its person's folder, from its path or gallery key: `people/X/3.jpg` -> 3. */
export function photoNumber(path: string): number {
  return Number(/(\d+)\.[a-z]+$/i.exec(path)?.[1] ?? NaN);
}

/** New photos of enrolled people: with 1 photo enrolled every other photo; with 3, the 4th on. */
export async function newPhotoProbes(set: RealPhotoSet, embedder: FaceEmbedder): Promise<Record<string, GalleryProbe[]>> {
  const one: GalleryProbe[] = [];
  const three: GalleryProbe[] = [];
  for (const [person, photos] of photosByPerson(set, 'enrolled')) {
    for (const photo of photos.filter((p) => photoNumber(p.file) > 1)) {
      const descriptor = await largestFace(embedder, await readFile(join(set.dir, photo.file)));
      one.push({ name: photo.file, expected: person, descriptor, gallery: 1 });
      if (photoNumber(photo.file) > 3) three.push({ name: photo.file, expected: person, descriptor, gallery: 3 });
    }
  }
  return { 'new photos, 1 enrolled': one, 'new photos, 3 enrolled': three };
}

/** Strangers' portraits and close-ups: the right answer is Unknown. */
export async function strangerProbes(set: RealPhotoSet, enrolled: ReadonlySet<string>, embedder: FaceEmbedder): Promise<GalleryProbe[]> {
  const photos = set.photos.filter((p) => p.kind !== 'group' && (p.role === 'stranger' || (p.person !== null && !enrolled.has(p.person))));
  const probes: GalleryProbe[] = [];
  for (const photo of photos) {
    probes.push({ name: photo.file, expected: undefined, descriptor: await largestFace(embedder, await readFile(join(set.dir, photo.file))), gallery: 3 });
  }
  return probes;
}

export async function closeupProbes(set: RealPhotoSet, enrolled: ReadonlySet<string>, embedder: FaceEmbedder): Promise<GalleryProbe[]> {
  const probes: GalleryProbe[] = [];
  for (const photo of set.photos.filter((p) => p.kind === 'closeup' && p.person !== null && enrolled.has(p.person))) {
    const descriptor = await largestFace(embedder, await readFile(join(set.dir, photo.file)));
    probes.push({ name: photo.file, expected: photo.person ?? undefined, descriptor, gallery: 3 });
  }
  return probes;
}

export interface GroupCount {
  readonly file: string;
  readonly expectedFaces: number;
  readonly found: number;
  readonly namedFound: number;
  readonly named: number;
}

/** Every face found in the group photos: a named face expects its person, the others Unknown. */
export async function groupProbes(set: RealPhotoSet, enrolled: ReadonlySet<string>, embedder: FaceEmbedder) {
  const probes: GalleryProbe[] = [];
  const counts: GroupCount[] = [];
  for (const photo of set.photos.filter((p) => p.kind === 'group')) {
    const faces = (await embedder.embed(await readFile(join(set.dir, photo.file)))).faces;
    const named = (photo.faces ?? []).filter((f) => enrolled.has(f.person));
    let namedFound = 0;
    for (const [i, face] of faces.entries()) {
      const who = named.find((n) => overlapOfSmaller(n, face.box) >= 0.5)?.person;
      if (who !== undefined) namedFound += 1;
      probes.push({ name: `${photo.file}#${i}`, expected: who, descriptor: face.descriptor, gallery: 3 });
    }
    const expectedFaces = photo.faceCount ?? photo.faces?.length ?? 0;
    counts.push({ file: photo.file, expectedFaces, found: faces.length, namedFound, named: named.length });
  }
  return { probes, counts };
}
