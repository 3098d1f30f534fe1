/**
 * Acceptance measurement of src/recognition on seed-data (run by hand, not a test):
 *   npx tsc -p . && node dist/bench/recognition-accuracy.js [--seed DIR] [--store DIR] [--skip-comparison]
 *     [--threshold T --margin M]   (default 0.44 / 0.04, the values this measurement chose)
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
import { readExamples } from './gallery-examples.js';
import {
  bestOperatingPoints,
  describePoint,
  fmt,
  grid,
  median,
  range,
  rank,
  type Example,
  type GridCell,
  type Probe,
  type Ranking,
} from './recognition-analysis.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 1) {
  const name = process.argv[i] ?? '';
  const value = process.argv[i + 1];
  const hasValue = value !== undefined && !value.startsWith('--');
  args.set(name, hasValue ? value : '');
  if (hasValue) i += 1;
}
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

/** How each gallery photo is degraded into probes; `cubic` resampling, unlike enrollment's lanczos3. */
const PROBE_SIZES = [
  { name: '64q50', side: 64, quality: 50 },
  { name: '96q50', side: 96, quality: 50 },
  { name: '128q75', side: 128, quality: 75 },
] as const;

/**
 * Probe sets: `course` (the 10 distinct course images); per size, `genuine-<size>` (each gallery photo
 * degraded, its subject enrolled: the right answer is its folder) and `impostor-<size>` (the same probe
 * with that photo's examples hidden: the right answer is Unknown); `impostor-250` is the photo as is.
 */
async function buildProbes(embedder: FaceEmbedder, photos: readonly Photo[], examples: readonly Example[]) {
  const sets: Record<string, Probe[]> = { course: [] };
  for (const p of await courseProbes()) {
    sets.course?.push({ name: p.name, expected: p.expected, descriptor: await descriptorOf(embedder, p.bytes) });
  }
  for (const photo of photos) {
    const key = `subjects/${photo.subject}/${photo.fileName}`;
    for (const size of PROBE_SIZES) {
      const resized = sharp(photo.bytes).resize(size.side, size.side, { fit: 'inside', kernel: 'cubic' });
      const descriptor = await descriptorOf(embedder, await resized.jpeg({ quality: size.quality }).toBuffer());
      (sets[`genuine-${size.name}`] ??= []).push({ name: key, expected: photo.subject, descriptor });
      (sets[`impostor-${size.name}`] ??= []).push({ name: key, expected: undefined, excludePhoto: key, descriptor });
    }
    const original = examples.find((e) => e.photo === key && e.variant === 'original')?.descriptor;
    (sets['impostor-250'] ??= []).push({ name: key, expected: undefined, excludePhoto: key, descriptor: original });
  }
  return sets;
}

function printCourse(rankings: readonly Ranking[]): void {
  for (const r of rankings) {
    const lead = r.best ? r.secondDistance - r.best.distance : undefined;
    const mark = r.best?.subject === r.probe.expected ? 'ok ' : 'BAD';
    console.log(`    ${mark} ${r.probe.name} expected ${r.probe.expected} nearest ${r.best?.subject} d=${fmt(r.best?.distance)} lead=${fmt(lead)}`);
  }
}

function printDistances(kind: string, rankings: readonly Ranking[]): void {
  const nearest = rankings.map((r) => r.best?.distance ?? Infinity).sort((a, b) => a - b);
  const noface = rankings.filter((r) => r.probe.descriptor === undefined).length;
  const pick = (q: number) => fmt(nearest[Math.floor(q * (nearest.length - noface - 1))]);
  console.log(`    ${kind.padEnd(15)} nearest subject: min ${pick(0)} p10 ${pick(0.1)} median ${pick(0.5)} p90 ${pick(0.9)} max ${pick(1)}; no face ${noface}`);
}

const GRID_MARGINS = [0, 0.02, 0.04, 0.06, 0.08];

/** One line per (T, M): course right/refused/wrong, genuine refused+wrong per size, impostors accepted per size. */
function printGrid(cells: readonly GridCell[], setNames: readonly string[]): void {
  const genuine = setNames.filter((n) => n.startsWith('genuine'));
  const impostor = setNames.filter((n) => n.startsWith('impostor'));
  console.log(`    T    M     course r/ref/w  missed ${genuine.map((n) => n.slice(8)).join('/')}  false accepts ${impostor.map((n) => n.slice(9)).join('/')}`);
  for (const c of cells) {
    if (!GRID_MARGINS.includes(c.margin)) continue;
    const o = c.outcomes;
    const course = o.course ? `${o.course.right}/${o.course.refused}/${o.course.wrong}` : '-';
    const missed = genuine.map((n) => (o[n] ? o[n].refused + o[n].wrong : 0)).join('/');
    const accepted = impostor.map((n) => o[n]?.wrong ?? 0).join('/');
    console.log(`    ${fmt(c.threshold, 2)} ${fmt(c.margin, 2)}  ${course.padEnd(15)} ${missed.padEnd(17)} ${accepted}`);
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
  const probeSets = await buildProbes(embedder, photos, examples);
  const summary: Record<string, unknown> = {};
  for (const [setName, variants] of Object.entries(SETS)) {
    const chosen = examples.filter((e) => variants.includes(e.variant));
    const ranked = Object.fromEntries(Object.entries(probeSets).map(([k, ps]) => [k, ps.map((p) => rank(chosen, p))]));
    const cells = grid(ranked, range(0.38, 0.56, 0.01), range(0, 0.08, 0.01));
    console.log(`\n== copy set "${setName}": ${chosen.length} examples`);
    printCourse(ranked.course ?? []);
    for (const [kind, rankings] of Object.entries(ranked)) printDistances(kind, rankings);
    printGrid(cells.filter((c) => Math.round(c.threshold * 100) % 2 === 0), Object.keys(ranked));
    const best = bestOperatingPoints(cells).slice(0, 3);
    console.log(`    best (course 10/10, fewest false accepts, then fewest misses): ${best.map(describePoint).join('; ')}`);
    // The full grid is kept for the default set only (the file stays small enough to commit).
    const keptCells = setName.startsWith('default (') ? cells.filter((c) => GRID_MARGINS.includes(c.margin)) : undefined;
    summary[setName] = { examples: chosen.length, best: best.map(describePoint), cells: keptCells };
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
  const threshold = Number(args.get('--threshold') ?? 0.44);
  const margin = Number(args.get('--margin') ?? 0.04);
  const result = await acceptance(store, photos, threshold, margin);
  const rssEnd = process.memoryUsage().rss;
  console.log(`\n== acceptance with the default copies, T=${threshold} M=${margin}: ${result.right}/${result.total} right`);
  for (const w of result.wrong) console.log(`    ${w}`);
  if (result.enrollMs.length) console.log(`enrollment (default copies): median ${fmt(median(result.enrollMs), 0)} ms/photo, total ${fmt(result.enrollMs.reduce((a, b) => a + b, 0) / 1000, 1)} s`);
  console.log(`recognize() on 64x64: median ${fmt(median(result.wallMs), 1)} ms wall, ${fmt(median(result.inferenceMs), 1)} ms in the model`);
  console.log(`RSS after load ${fmt(rssAfterLoad / 2 ** 20, 0)} MiB, at the end ${fmt(rssEnd / 2 ** 20, 0)} MiB`);
  await mkdir('bench/results', { recursive: true });
  const { wallMs, inferenceMs, ...counts } = result;
  const timing = { medianWallMs: median(wallMs), medianInferenceMs: median(inferenceMs), medianEnrollMs: median(result.enrollMs) };
  const out = { when: new Date().toISOString(), rssAfterLoad, rssEnd, loadMs: model.loadMs, comparison, result: { ...counts, enrollMs: undefined }, timing };
  await writeFile('bench/results/recognition-accuracy.json', JSON.stringify(out));
  if (!args.has('--store')) await rm(storeDir, { recursive: true, force: true });
}

await main();
