/**
 * Acceptance measurement of src/recognition on seed-data (run by hand, not a test):
 *   npx tsc -p . && node dist/bench/recognition-accuracy.js [--seed DIR] [--store DIR] [--threshold T --margin M]
 * 1. Enrolls every photo of <seed>/gallery with a superset of degraded copies and compares copy sets:
 *    the 10 distinct course images (face_images_100 + its CSV) must all be right; 100 leave-one-out
 *    impostors (each gallery photo, as is and as a 64 px q50 copy, with its own examples hidden) must
 *    not be accepted. Prints a threshold x margin grid per copy set.
 * 2. Enrolls the gallery again with the default copies through GalleryAdmin and recognizes all 100
 *    course images with createFaceRecognizer: accuracy, recognize() time, RSS.
 * `--store DIR` keeps the enrolled buckets for re-runs. Results: bench/results/recognition-accuracy.json.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { LocalFolderStore } from '../src/adapters/storage/local-folder.js';
import {
  DEFAULT_VARIANTS,
  GalleryAdmin,
  createFaceEmbedder,
  createFaceRecognizer,
  loadFaceModel,
  variant,
  type FaceEmbedder,
} from '../src/recognition/index.js';
import { parseDescriptors } from '../src/recognition/gallery-layout.js';
import { fmt, grid, median, range, rank, type Example, type GridCell, type Probe, type Ranking } from './recognition-analysis.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? '', process.argv[i + 1] ?? '');
const SEED = args.get('--seed') ?? '/work/shared/seed-data';
const SUPERSET = [...DEFAULT_VARIANTS, variant(80, 50, false), variant(80, 50, true), variant(48, 50, false)];
const SETS: Record<string, string[]> = {
  'original only': ['original'],
  '+mirror': ['original', 'full-mirror'],
  '+64q50': ['original', '64q50'],
  '+64q50 ±mirror': ['original', '64q50', '64q50-mirror'],
  '+64q50 96q50 128q75': ['original', '64q50', '96q50', '128q75'],
  'default (all ±mirror)': ['original', ...DEFAULT_VARIANTS.map((v) => v.name)],
  'default +80q50±m +48q50': ['original', ...SUPERSET.map((v) => v.name)],
};

interface Photo {
  readonly subject: string;
  readonly fileName: string;
  readonly bytes: Buffer;
}

async function galleryPhotos(): Promise<Photo[]> {
  const photos: Photo[] = [];
  for (const subject of (await readdir(join(SEED, 'gallery'))).sort()) {
    for (const fileName of (await readdir(join(SEED, 'gallery', subject))).sort()) {
      photos.push({ subject, fileName, bytes: await readFile(join(SEED, 'gallery', subject, fileName)) });
    }
  }
  return photos;
}

async function enrollAll(admin: GalleryAdmin, photos: readonly Photo[]): Promise<number[]> {
  const times: number[] = [];
  for (const photo of photos) {
    const started = performance.now();
    await admin.addExamples(photo.subject, [photo]);
    times.push(performance.now() - started);
  }
  return times;
}

async function readExamples(store: LocalFolderStore, bucket: string): Promise<Example[]> {
  const examples: Example[] = [];
  for (const info of await store.list(bucket, 'descriptors/')) {
    const file = parseDescriptors(await store.get(bucket, info.key), info.key);
    for (const e of file.examples) examples.push({ subject: file.subject, ...e });
  }
  return examples;
}

/** The 10 distinct course images with their expected labels (deduplicated by content). */
async function courseProbes(): Promise<{ name: string; expected: string; bytes: Buffer }[]> {
  const csv = await readFile(join(SEED, 'classification_face_images_100.csv'), 'utf8');
  const seen = new Set<string>();
  const probes = [];
  for (const line of csv.trim().split('\n').slice(1)) {
    const [image, expected] = line.trim().split(',');
    const bytes = await readFile(join(SEED, 'face_images_100', `${image}.jpg`));
    const hash = createHash('sha1').update(bytes).digest('hex');
    if (seen.has(hash)) continue;
    seen.add(hash);
    probes.push({ name: image as string, expected: expected as string, bytes });
  }
  return probes;
}

async function descriptorOf(embedder: FaceEmbedder, bytes: Buffer): Promise<Float32Array | undefined> {
  return (await embedder.embed(bytes)).faces[0]?.descriptor;
}

async function buildProbes(embedder: FaceEmbedder, photos: readonly Photo[], examples: readonly Example[]) {
  const course: Probe[] = [];
  for (const p of await courseProbes()) {
    course.push({ name: p.name, expected: p.expected, descriptor: await descriptorOf(embedder, p.bytes) });
  }
  const looSmall: Probe[] = [];
  const looOriginal: Probe[] = [];
  for (const photo of photos) {
    const key = `subjects/${photo.subject}/${photo.fileName}`;
    const small = await sharp(photo.bytes).resize(64, 64, { fit: 'inside' }).jpeg({ quality: 50 }).toBuffer();
    looSmall.push({ name: key, expected: undefined, excludePhoto: key, descriptor: await descriptorOf(embedder, small) });
    const original = examples.find((e) => e.photo === key && e.variant === 'original')?.descriptor;
    looOriginal.push({ name: key, expected: undefined, excludePhoto: key, descriptor: original });
  }
  return { course, impostors: { 'loo-64q50': looSmall, 'loo-250': looOriginal } };
}

function printCourse(rankings: readonly Ranking[]): void {
  for (const r of rankings) {
    const lead = r.best ? r.secondDistance - r.best.distance : undefined;
    const mark = r.best?.subject === r.probe.expected ? 'ok ' : 'BAD';
    console.log(`    ${mark} ${r.probe.name} expected ${r.probe.expected} nearest ${r.best?.subject} d=${fmt(r.best?.distance)} lead=${fmt(lead)}`);
  }
}

function printImpostors(kind: string, rankings: readonly Ranking[]): void {
  const nearest = rankings.map((r) => r.best?.distance ?? Infinity).sort((a, b) => a - b);
  const leads = rankings.map((r) => (r.best ? r.secondDistance - r.best.distance : 0)).sort((a, b) => b - a);
  const noface = rankings.filter((r) => r.probe.descriptor === undefined).length;
  console.log(`    ${kind}: nearest-subject distance min ${fmt(nearest[0])} p10 ${fmt(nearest[10])} median ${fmt(median(nearest))}; largest leads ${leads.slice(0, 3).map((l) => fmt(l)).join(' ')}; no face ${noface}`);
}

function printGrid(cells: readonly GridCell[]): void {
  console.log('    T     M     course right/refused/wrong   false accepts (loo-64q50, loo-250)');
  for (const c of cells) {
    const fa = Object.values(c.falseAccepts).join(', ');
    console.log(`    ${fmt(c.threshold, 2)}  ${fmt(c.margin, 2)}  ${c.course.right}/${c.course.refused}/${c.course.wrong}${' '.repeat(22)}${fa}`);
  }
}

async function compareCopySets(store: LocalFolderStore, photos: readonly Photo[], embedder: FaceEmbedder) {
  const bucket = 'superset';
  const enrolled = await store.list(bucket, 'descriptors/').catch(() => []);
  let enrollMs: number[] = [];
  if (enrolled.length < 98) {
    await store.ensureBucket(bucket);
    enrollMs = await enrollAll(new GalleryAdmin(store, bucket, embedder, SUPERSET), photos);
    console.log(`superset enrollment (original + ${SUPERSET.length} copies): median ${fmt(median(enrollMs), 0)} ms/photo`);
  }
  const examples = await readExamples(store, bucket);
  const { course, impostors } = await buildProbes(embedder, photos, examples);
  const summary: Record<string, unknown> = {};
  for (const [setName, variants] of Object.entries(SETS)) {
    const chosen = examples.filter((e) => variants.includes(e.variant));
    const courseRanks = course.map((p) => rank(chosen, p));
    const impostorRanks = Object.fromEntries(Object.entries(impostors).map(([k, ps]) => [k, ps.map((p) => rank(chosen, p))]));
    const cells = grid(courseRanks, impostorRanks, range(0.4, 0.6, 0.02), range(0, 0.12, 0.02));
    console.log(`\n== copy set "${setName}": ${chosen.length} examples`);
    printCourse(courseRanks);
    for (const [kind, rankings] of Object.entries(impostorRanks)) printImpostors(kind, rankings);
    printGrid(cells);
    summary[setName] = { examples: chosen.length, cells };
  }
  return { enrollMs, summary };
}

async function acceptance(store: LocalFolderStore, photos: readonly Photo[], threshold: number, margin: number) {
  const bucket = 'default-gallery';
  await store.ensureBucket(bucket);
  let enrollMs: number[] = [];
  if ((await store.list(bucket, 'descriptors/')).length < 98) {
    enrollMs = await enrollAll(new GalleryAdmin(store, bucket, await createFaceEmbedder()), photos);
  }
  const recognizer = await createFaceRecognizer({ store, galleryBucket: bucket, distanceThreshold: threshold, margin, galleryRefreshMs: 60_000 });
  const csv = (await readFile(join(SEED, 'classification_face_images_100.csv'), 'utf8')).trim().split('\n').slice(1);
  let right = 0;
  const wallMs: number[] = [];
  const inferenceMs: number[] = [];
  const wrong: string[] = [];
  for (const line of csv) {
    const [image, expected] = line.trim().split(',');
    const bytes = await readFile(join(SEED, 'face_images_100', `${image}.jpg`));
    const started = performance.now();
    const result = await recognizer.recognize(bytes);
    wallMs.push(performance.now() - started);
    inferenceMs.push(result.inferenceMs);
    if (result.label === expected) right += 1;
    else wrong.push(`${image}: ${result.label} (expected ${expected}, d=${fmt(result.faces[0]?.distance ?? undefined)})`);
  }
  await recognizer.close();
  return { threshold, margin, right, total: csv.length, wrong, enrollMs, wallMs, inferenceMs };
}

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const model = await loadFaceModel();
  const rssAfterLoad = process.memoryUsage().rss;
  console.log(`model: backend ${model.backend}, load ${fmt(model.loadMs, 0)} ms, RSS ${fmt(rssBefore / 2 ** 20, 0)} -> ${fmt(rssAfterLoad / 2 ** 20, 0)} MiB`);
  const storeDir = args.get('--store') ?? (await mkdtemp(join(tmpdir(), 'sf-bench-recognition-')));
  await mkdir(storeDir, { recursive: true });
  const store = new LocalFolderStore(storeDir);
  const photos = await galleryPhotos();
  const embedder = await createFaceEmbedder();
  const comparison = args.has('--skip-comparison') ? undefined : await compareCopySets(store, photos, embedder);
  const threshold = Number(args.get('--threshold') ?? 0.5);
  const margin = Number(args.get('--margin') ?? 0.04);
  const result = await acceptance(store, photos, threshold, margin);
  const rssEnd = process.memoryUsage().rss;
  console.log(`\n== acceptance with the default copies, T=${threshold} M=${margin}: ${result.right}/${result.total} right`);
  for (const w of result.wrong) console.log(`    ${w}`);
  if (result.enrollMs.length) console.log(`enrollment (default copies): median ${fmt(median(result.enrollMs), 0)} ms/photo, total ${fmt(result.enrollMs.reduce((a, b) => a + b, 0) / 1000, 1)} s`);
  console.log(`recognize() on 64x64: median ${fmt(median(result.wallMs), 1)} ms wall, ${fmt(median(result.inferenceMs), 1)} ms in the model`);
  console.log(`RSS after load ${fmt(rssAfterLoad / 2 ** 20, 0)} MiB, at the end ${fmt(rssEnd / 2 ** 20, 0)} MiB`);
  await mkdir('bench/results', { recursive: true });
  const out = { when: new Date().toISOString(), rssAfterLoad, rssEnd, loadMs: model.loadMs, comparison, result };
  await writeFile('bench/results/recognition-accuracy.json', JSON.stringify(out, null, 1));
  if (!args.has('--store')) await rm(storeDir, { recursive: true, force: true });
}

await main();
