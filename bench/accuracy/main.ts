/**
 * `npm run bench -- --accuracy [--real-photos DIR] [--seed-dir DIR] [--store DIR]`: how often the
 * recognizer is right, on (1) the course workload among the 100 seed subjects, (2) degraded variants of
 * the ten course photos, (3) the real-photo set: new photos of people enrolled from 1 or from 3 photos,
 * strangers, close-ups and the faces of group photos. Every real person is enrolled beside the 100 seed
 * subjects (the course sets and the seed photos as strangers are matched against the seed subjects alone, the
 * course workload's gallery). Prints a threshold x margin table of right / Unknown / wrong / NoFace per set, the
 * trade-off of genuine and false accepts per rule with the rule it fits (fit-report.ts), and writes
 * bench/results/accuracy.json. Sets whose data is missing are skipped with a message.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFolderStore } from '../../src/adapters/storage/local-folder.js';
import { DEFAULT_MATCH_RULES } from '../../src/recognition/matcher.js';
import { GalleryAdmin, createFaceEmbedder, type FaceEmbedder } from '../../src/recognition/index.js';
import { readExamples } from '../gallery-examples.js';
import { findSeedDir } from '../workload.js';
import type { Example } from '../recognition-analysis.js';
import { MARGINS, evaluate, printGroupCounts, printSummary, printTable, type SetResult } from './report.js';
import { closeupProbes, courseProbes, degradedCourseProbes, groupProbes, newPhotoProbes, strangerProbes, photoNumber, type GalleryProbe, type GroupCount } from './probes.js';
import { fitRule } from './fit-report.js';
import { runNoFaceBench } from './no-face.js';
import { findRealPhotoSet, loadRealPhotoSet, photosByPerson, type RealPhotoSet } from './real-photo-set.js';

export interface AccuracyOptions {
  readonly seedDir?: string;
  readonly realPhotosDir?: string;
  readonly storeDir?: string;
  readonly envSeedDir?: string;
  readonly envRealPhotosDir?: string;
  /** dist/ of another build: the false-face table (no-face.ts) measures it beside this one. */
  readonly baselineDist?: string;
}

function log(line: string): void {
  console.error(`[accuracy] ${line}`);
}

async function enrollSeed(admin: GalleryAdmin, seedDir: string): Promise<void> {
  const gallery = join(seedDir, 'gallery');
  for (const subject of (await readdir(gallery)).sort()) {
    const files = (await readdir(join(gallery, subject))).sort();
    const photos = await Promise.all(files.map(async (fileName) => ({ fileName, bytes: await readFile(join(gallery, subject, fileName)) })));
    await admin.addExamples(subject, photos).catch((error: Error) => log(`seed ${subject}: ${error.message}`));
  }
}

/** Each enrolled real person with photos 1..3 (one call per photo: a refused photo does not stop the rest). */
async function enrollRealPeople(admin: GalleryAdmin, set: RealPhotoSet, reuse: boolean): Promise<Set<string>> {
  const enrolled = new Set<string>();
  for (const [person, photos] of photosByPerson(set, 'enrolled')) {
    if (reuse) {
      enrolled.add(person);
      continue;
    }
    for (const photo of photos.filter((p) => photoNumber(p.file) <= 3)) {
      const bytes = await readFile(join(set.dir, photo.file));
      const fileName = `${photoNumber(photo.file)}.jpg`;
      await admin.addExamples(person, [{ fileName, bytes }]).then(
        () => enrolled.add(person),
        (error: Error) => log(`${photo.file}: ${error.message}`),
      );
    }
  }
  return enrolled;
}

/**
 * Each seed gallery photo as a stranger: its own examples hidden, the right answer is Unknown. (Emily and
 * Gerry are left out: each label covers two different people, so the other photo would count as a match.)
 */
function seedStrangerProbes(examples: readonly Example[], realPeople: ReadonlySet<string>): GalleryProbe[] {
  const originals = examples.filter((e) => e.variant === 'original' && !realPeople.has(e.subject) && !['Emily', 'Gerry'].includes(e.subject));
  return originals.map((e) => ({ name: e.photo, expected: undefined, excludePhoto: e.photo, descriptor: e.descriptor, gallery: 'seed' as const }));
}

/** Real people's examples from their first `photos` photos only; seed subjects keep all of theirs. */
function galleryWith(examples: readonly Example[], realPeople: ReadonlySet<string>, photos: 1 | 3): Example[] {
  return examples.filter((e) => !realPeople.has(e.subject) || photoNumber(e.photo) <= photos);
}

async function realPhotoProbes(set: RealPhotoSet, enrolled: ReadonlySet<string>, embedder: FaceEmbedder) {
  const sets: Record<string, GalleryProbe[]> = await newPhotoProbes(set, embedder);
  sets['strangers'] = await strangerProbes(set, enrolled, embedder);
  sets['close-ups'] = await closeupProbes(set, enrolled, embedder);
  const groups = await groupProbes(set, enrolled, embedder);
  sets['group faces'] = groups.probes;
  return { sets, groupCounts: groups.counts };
}

export async function runAccuracyBench(options: AccuracyOptions): Promise<void> {
  const seedDir = findSeedDir(options.seedDir, options.envSeedDir);
  const real = findRealPhotoSet(options.realPhotosDir, options.envRealPhotosDir);
  if (seedDir === undefined) log('SEED DATA MISSING: the course sets are skipped (set --seed-dir or SCALEFACE_SEED_DATA)');
  if ('missing' in real) log(`${real.missing}: the real-photo sets are skipped (set --real-photos or SCALEFACE_REAL_PHOTOS)`);
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'sf-accuracy-')));
  const store = new LocalFolderStore(storeDir);
  const embedder = await createFaceEmbedder();
  const admin = new GalleryAdmin(store, 'gallery', embedder);
  const realSet = 'dir' in real ? await loadRealPhotoSet(real.dir) : undefined;
  const reuse = options.storeDir !== undefined && (await store.list('gallery', 'descriptors/').catch(() => [])).length > 0;
  if (reuse) log(`reusing the gallery enrolled in ${options.storeDir}`);
  if (seedDir !== undefined && !reuse) await enrollSeed(admin, seedDir);
  const enrolled = realSet ? await enrollRealPeople(admin, realSet, reuse) : new Set<string>();
  const examples = await readExamples(store, 'gallery');
  log(`gallery: ${new Set(examples.map((e) => e.subject)).size} subjects (${enrolled.size} from the real-photo set), ${examples.length} examples`);
  const probeSets: Record<string, GalleryProbe[]> = {};
  if (seedDir !== undefined) {
    probeSets['course (10 distinct of 1000)'] = await courseProbes(seedDir, embedder);
    probeSets['course photos degraded'] = await degradedCourseProbes(seedDir, embedder);
    probeSets['seed strangers'] = seedStrangerProbes(examples, enrolled);
  }
  let groupCounts: GroupCount[] = [];
  if (realSet !== undefined) {
    const realProbes = await realPhotoProbes(realSet, enrolled, embedder);
    Object.assign(probeSets, realProbes.sets);
    groupCounts = realProbes.groupCounts;
  }
  const seedOnly = examples.filter((e) => !enrolled.has(e.subject));
  const galleries = { 1: galleryWith(examples, enrolled, 1), 3: galleryWith(examples, enrolled, 3), seed: seedOnly };
  const results: SetResult[] = evaluate(probeSets, galleries, DEFAULT_MATCH_RULES);
  for (const margin of MARGINS) printTable(results, DEFAULT_MATCH_RULES, margin);
  printSummary(results, DEFAULT_MATCH_RULES);
  printGroupCounts(groupCounts);
  const fit = fitRule(results, DEFAULT_MATCH_RULES);
  await mkdir('bench/results', { recursive: true });
  const out = { when: new Date().toISOString(), subjects: new Set(examples.map((e) => e.subject)).size, realPeople: enrolled.size, fit, results, groupCounts };
  await writeFile('bench/results/accuracy.json', JSON.stringify(out, null, 1));
  if (options.storeDir === undefined) await rm(storeDir, { recursive: true, force: true });
  await runNoFaceBench(seedDir, options.baselineDist);
}
