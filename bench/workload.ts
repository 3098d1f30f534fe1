/**
 * What the benchmark sends and enrolls. Normally the course's seed data (face_images_1000 + a 100-subject
 * gallery + the expected answers). Without it, a stand-in built from the photos that ship in face-api's npm
 * package: every clearly visible face of demo/sample*.jpg becomes a subject (a 250 px crop is enrolled) and
 * a 160 px crop of it, framed like the course's images, becomes a probe (at 64 px JPEG-50 the tiny detector
 * misses half of these faces, which would measure the detector rather than the system).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readExpectedLabels } from '../src/load/expected-labels.js';
import type { FaceBox } from '../src/ports/recognizer.js';
import { createFaceEmbedder } from '../src/recognition/index.js';
import type { WorkloadInfo } from './result.js';

export interface Workload {
  readonly info: WorkloadInfo;
  /** Request i sends files[i % files.length]. */
  readonly files: readonly string[];
  /** stem -> expected label. */
  readonly expected: ReadonlyMap<string, string>;
  readonly galleryDir: string;
  readonly defaultRequests: number;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SEED_IMAGES = 'face_images_1000';
const SEED_CSV = 'classification_face_images_1000.csv';
const DEMO_REQUESTS = 200;
const FACE_FRACTION_OF_CROP = 0.42;
const PROBE_SIDE = 160;

/** The seed data folder: `explicit` only when given, else where the acceptance test looks; undefined when absent. */
export function findSeedDir(explicit: string | undefined, envDir: string | undefined): string | undefined {
  const candidates = explicit !== undefined ? [explicit] : [envDir, join(REPO_ROOT, '../shared/seed-data'), '/work/shared/seed-data'];
  return candidates.find((dir) => dir !== undefined && existsSync(join(dir, SEED_IMAGES)) && existsSync(join(dir, 'gallery')));
}

async function countSubjects(galleryDir: string): Promise<number> {
  return (await readdir(galleryDir, { withFileTypes: true })).filter((e) => e.isDirectory()).length;
}

export async function loadSeedWorkload(dir: string): Promise<Workload> {
  const imagesDir = join(dir, SEED_IMAGES);
  const files = (await readdir(imagesDir)).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(imagesDir, f));
  const galleryDir = join(dir, 'gallery');
  return {
    info: {
      name: `seed ${SEED_IMAGES}`,
      kind: 'seed',
      images_dir: imagesDir,
      gallery_dir: galleryDir,
      distinct_files: files.length,
      gallery_subjects: await countSubjects(galleryDir),
    },
    files,
    expected: await readExpectedLabels(join(dir, SEED_CSV)),
    galleryDir,
    defaultRequests: files.length,
  };
}

function demoFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
}

/** A square around the face, framed like the course's probes, kept inside the image. */
export function probeRegion(box: FaceBox, imageWidth: number, imageHeight: number): { left: number; top: number; width: number; height: number } {
  const side = Math.round(box.width / FACE_FRACTION_OF_CROP);
  const left = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
  const top = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
  return { left, top, width: Math.min(side, imageWidth - left), height: Math.min(side, imageHeight - top) };
}

interface DemoFace {
  readonly subject: string;
  readonly enrollPhoto: Buffer;
  readonly probe: Buffer;
}

async function facesOfPhoto(path: string, photoIndex: number): Promise<DemoFace[]> {
  const embedder = await createFaceEmbedder();
  const bytes = await readFile(path);
  const embedding = await embedder.embed(bytes);
  const oriented = await sharp(bytes).rotate().toBuffer();
  const usable = embedding.faces.filter((f) => f.score >= 0.6 && f.box.width >= 40).slice(0, 3);
  return Promise.all(
    usable.map(async (face, k) => {
      const crop = sharp(oriented).extract(probeRegion(face.box, embedding.width, embedding.height));
      const square = await crop.toBuffer();
      return {
        subject: `demo-${photoIndex}-${k + 1}`,
        enrollPhoto: await sharp(square).resize(250, 250, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer(),
        probe: await sharp(square).resize(PROBE_SIDE, PROBE_SIDE, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer(),
      };
    }),
  );
}

async function writeDemoFiles(root: string, faces: readonly DemoFace[], requests: number): Promise<{ files: string[]; expected: Map<string, string> }> {
  const imagesDir = join(root, 'images');
  await mkdir(imagesDir, { recursive: true });
  for (const face of faces) {
    await mkdir(join(root, 'gallery', face.subject), { recursive: true });
    await writeFile(join(root, 'gallery', face.subject, 'original_1.jpg'), face.enrollPhoto);
  }
  const files: string[] = [];
  const expected = new Map<string, string>();
  for (let i = 0; i < requests; i += 1) {
    const face = faces[i % faces.length] as DemoFace;
    const stem = `probe_${String(i).padStart(3, '0')}`;
    files.push(join(imagesDir, `${stem}.jpg`));
    expected.set(stem, face.subject);
    await writeFile(files[i] as string, face.probe);
  }
  return { files, expected };
}

/** The stand-in workload, written under `root`; loads the face model in this process to find the faces. */
export async function buildDemoWorkload(root: string, reason: string): Promise<Workload> {
  const demo = demoFolder();
  const photos = (await readdir(demo)).filter((f) => /^sample\d+\.jpg$/.test(f)).sort();
  const faces: DemoFace[] = [];
  for (const [i, photo] of photos.entries()) faces.push(...(await facesOfPhoto(join(demo, photo), i + 1)));
  if (faces.length === 0) throw new Error(`no usable face in ${demo}/sample*.jpg`);
  const { files, expected } = await writeDemoFiles(root, faces, DEMO_REQUESTS);
  return {
    info: {
      name: `face-api demo crops (${reason}): ${faces.length} faces from ${photos.length} photos`,
      kind: 'demo',
      images_dir: join(root, 'images'),
      gallery_dir: join(root, 'gallery'),
      distinct_files: files.length,
      gallery_subjects: faces.length,
    },
    files,
    expected,
    galleryDir: join(root, 'gallery'),
    defaultRequests: DEMO_REQUESTS,
  };
}

export interface WorkloadImage {
  readonly path: string;
  /** File name without extension: the key of `Workload.expected`. */
  readonly stem: string;
  readonly bytes: Buffer;
}

/** Each distinct image of the workload once (the seed's 1000 files are 10 images), at its first file. */
export async function distinctWorkloadImages(workload: Workload): Promise<WorkloadImage[]> {
  const distinct = new Map<string, WorkloadImage>();
  for (const path of workload.files) {
    const bytes = await readFile(path);
    const hash = createHash('sha1').update(bytes).digest('hex');
    if (!distinct.has(hash)) distinct.set(hash, { path, stem: basename(path, extname(path)), bytes });
  }
  return [...distinct.values()];
}
