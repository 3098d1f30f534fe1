/**
 * The false-face part of `npm run bench -- --accuracy [--baseline <dist of another build>]`, this build beside
 * the other one in one run: false faces per 100 no-face photos (test/fixtures/no-face), faces found, lost and
 * false on group photos with every real face marked (face-api's six demo photos, test/fixtures/group-photos), and
 * the small-probe accuracy (small-probes.ts, seed data needed) at the default rule, each build enrolling the
 * 100 seed subjects with its own pipeline. Writes bench/results/no-face.json.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalFolderStore } from '../../src/adapters/storage/local-folder.js';
import type { FaceBox } from '../../src/ports/recognizer.js';
import { DEFAULT_MATCH_RULES } from '../../src/recognition/matcher.js';
import * as recognition from '../../src/recognition/index.js';
import { readExamples } from '../gallery-examples.js';
import { decide, rank } from '../recognition-analysis.js';
import { seedGalleryPhotos, smallProbeSets } from './small-probes.js';

type RecognitionModule = Pick<typeof recognition, 'createFaceEmbedder' | 'GalleryAdmin'>;

interface Build {
  readonly label: string;
  readonly module: RecognitionModule;
}

export interface NoFaceRow {
  readonly build: string;
  readonly noFacePhotos: number;
  readonly falseFacesOnNoFacePhotos: number;
  readonly noFacePhotosWithAFace: readonly string[];
  readonly groupFaces: number;
  readonly groupFound: number;
  readonly groupFalse: number;
  /** Per small-probe set: right of probes at the default rule. */
  readonly smallProbes: Record<string, { right: number; probes: number; unknown: number; noFace: number }>;
}

const FIXTURES = resolve('test/fixtures');
const DEMO = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

/** Centres of every real face (checked by eye), in each photo's own pixels. */
const GROUP_FACES: Record<string, readonly [number, number][]> = {
  'sample1.jpg': [[1575, 356], [932, 573], [489, 522]],
  'sample2.jpg': [[1541, 305], [393, 302]],
  'sample3.jpg': [[1167, 389], [681, 505], [1588, 477]],
  'sample4.jpg': [[362, 356], [1059, 340], [751, 212], [1351, 332]],
  'sample5.jpg': [[471, 1053], [1498, 558], [676, 556], [1198, 366], [852, 232]],
  'sample6.jpg': [[354, 662], [1411, 485], [1581, 459], [1240, 497], [763, 515]],
  'opencv-basketball1.jpg': [[88, 119]],
  'opencv-messi5.jpg': [[238, 118]],
  'skimage-camera.jpg': [[221, 167]],
  'skimage-astronaut.jpg': [[219, 132]],
  'opencv-scenetext01.jpg': [],
  'opencv-left05.jpg': [],
};

function groupPhotoPath(file: string): string {
  return file.startsWith('sample') ? join(DEMO, file) : join(FIXTURES, 'group-photos', file);
}

function contains(box: FaceBox, [x, y]: [number, number]): boolean {
  return x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height;
}

async function loadBuild(label: string, distDir: string | undefined): Promise<Build> {
  if (distDir === undefined) return { label, module: recognition };
  const url = pathToFileURL(join(resolve(distDir), 'src/recognition/index.js')).href;
  return { label, module: (await import(url)) as RecognitionModule };
}

async function noFaceCounts(embedder: recognition.FaceEmbedder): Promise<Pick<NoFaceRow, 'noFacePhotos' | 'falseFacesOnNoFacePhotos' | 'noFacePhotosWithAFace'>> {
  const manifest = JSON.parse(await readFile(join(FIXTURES, 'no-face/manifest.json'), 'utf8')) as { file: string }[];
  let faces = 0;
  const withFace: string[] = [];
  for (const { file } of manifest) {
    const found = (await embedder.embed(await readFile(join(FIXTURES, 'no-face', file)))).faces.length;
    faces += found;
    if (found > 0) withFace.push(file);
  }
  return { noFacePhotos: manifest.length, falseFacesOnNoFacePhotos: faces, noFacePhotosWithAFace: withFace };
}

async function groupCounts(embedder: recognition.FaceEmbedder): Promise<Pick<NoFaceRow, 'groupFaces' | 'groupFound' | 'groupFalse'>> {
  let [total, found, falseFaces] = [0, 0, 0];
  for (const [file, centres] of Object.entries(GROUP_FACES)) {
    const boxes = (await embedder.embed(await readFile(groupPhotoPath(file)))).faces.map((f) => f.box);
    total += centres.length;
    found += centres.filter((c) => boxes.some((b) => contains(b, c))).length;
    falseFaces += boxes.filter((b) => !centres.some((c) => contains(b, c))).length;
  }
  return { groupFaces: total, groupFound: found, groupFalse: falseFaces };
}

async function smallProbeCounts(build: Build, embedder: recognition.FaceEmbedder, seedDir: string): Promise<NoFaceRow['smallProbes']> {
  const storeDir = await mkdtemp(join(tmpdir(), 'sf-small-probes-'));
  try {
    const store = new LocalFolderStore(storeDir);
    const admin = new build.module.GalleryAdmin(store, 'gallery', embedder);
    for await (const [subject, fileName, bytes] of seedGalleryPhotos(seedDir)) {
      await admin.addExamples(subject, [{ fileName, bytes }]).catch(() => undefined);
    }
    const examples = await readExamples(store, 'gallery');
    const out: NoFaceRow['smallProbes'] = {};
    for (const [name, probes] of Object.entries(await smallProbeSets(seedDir, embedder))) {
      const outcomes = probes.map((p) => decide(rank(examples, p), DEFAULT_MATCH_RULES.distanceThreshold, DEFAULT_MATCH_RULES.margin));
      const n = (o: string) => outcomes.filter((x) => x === o).length;
      out[name] = { right: n('right'), probes: probes.length, unknown: n('refused'), noFace: n('noface') };
    }
    return out;
  } finally {
    await rm(storeDir, { recursive: true, force: true });
  }
}

async function measureBuild(build: Build, seedDir: string | undefined): Promise<NoFaceRow> {
  const embedder = await build.module.createFaceEmbedder();
  const smallProbes = seedDir === undefined ? {} : await smallProbeCounts(build, embedder, seedDir);
  return { build: build.label, ...(await noFaceCounts(embedder)), ...(await groupCounts(embedder)), smallProbes };
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}`;
}

export function printNoFaceTable(rows: readonly NoFaceRow[]): void {
  console.log('\nfalse faces and small probes (right/probes at the default rule; Unknown, NoFace)');
  const head = ['build', 'false faces per 100 no-face photos', 'group photos: real faces found / lost / false'];
  const sets = [...new Set(rows.flatMap((r) => Object.keys(r.smallProbes)))];
  console.log(`| ${[...head, ...sets].join(' | ')} |`);
  console.log(`|${[...head, ...sets].map(() => '---').join('|')}|`);
  for (const r of rows) {
    const cells = [
      r.build,
      `${pct(r.falseFacesOnNoFacePhotos, r.noFacePhotos)} (${r.falseFacesOnNoFacePhotos} on ${r.noFacePhotosWithAFace.length} of ${r.noFacePhotos})`,
      `${r.groupFound}/${r.groupFaces} / ${r.groupFaces - r.groupFound} / ${r.groupFalse}`,
      ...sets.map((s) => {
        const c = r.smallProbes[s];
        return c ? `${c.right}/${c.probes} (${pct(c.right, c.probes)} %; ${c.unknown} Unknown, ${c.noFace} NoFace)` : '-';
      }),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  for (const r of rows) if (r.noFacePhotosWithAFace.length > 0) console.log(`  ${r.build}: a face on ${r.noFacePhotosWithAFace.join(', ')}`);
}

/** Measures this build, and the one in `baselineDist` first when given; prints the table and writes the JSON. */
export async function runNoFaceBench(seedDir: string | undefined, baselineDist: string | undefined): Promise<NoFaceRow[]> {
  const builds = [await loadBuild('this build', undefined)];
  if (baselineDist !== undefined) builds.unshift(await loadBuild(`baseline (${baselineDist})`, baselineDist));
  if (seedDir === undefined) console.error('[accuracy] SEED DATA MISSING: the small-probe columns are skipped (set --seed-dir)');
  const rows: NoFaceRow[] = [];
  for (const build of builds) rows.push(await measureBuild(build, seedDir));
  printNoFaceTable(rows);
  await writeFile('bench/results/no-face.json', JSON.stringify({ when: new Date().toISOString(), rows }, null, 1));
  return rows;
}
