/**
 * `npm run bench -- --gallery 1000,10000,100000 [--seed-dir DIR]`: the gallery at scale (README, "Gallery at
 * scale"). Per N: match p50/p99 through the index, the exact scan and ffd3ba0's matcher; a worker's start on the
 * folder store and on S3 (fauxqs, in this process); the memory the loaded gallery holds; enrollment's log writes
 * and a compaction; equal answers (index vs exact); the rule's false-accept rate on real strangers. Writes
 * bench/results/gallery-<date>.json: one row per N.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFolderStore } from '../../src/adapters/storage/local-folder.js';
import { createObjectStore } from '../../src/adapters/storage/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { DEFAULT_PROBE_LISTS } from '../../src/recognition/gallery-state.js';
import { currentModelIdentity } from '../../src/recognition/model-identity.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../../test/helpers/fauxqs.js';
import { findSeedDir } from '../workload.js';
import { dateStamp } from '../results-writer.js';
import { loadRealFaces, type RealFaces, type RealSubject } from './real-faces.js';
import { fallbackDistribution, fitDistribution, syntheticProbes, syntheticSubjects } from './synthetic.js';
import { measureLegacyStart, measureMatches, sweepLists, measureStart, measureStrangers, measureWrites, percentile, publishSnapshot, type BenchGallery } from './measure.js';

export interface GalleryBenchOptions {
  readonly sizes: readonly number[];
  readonly seedDir?: string;
  readonly outDir: string;
  /** --store: the real faces' descriptors are kept in <dir>/gallery-real-faces.json and reused next time. */
  readonly storeDir?: string;
  /** Largest N whose ffd3ba0 layout (one descriptors file per subject) is written and loaded. */
  readonly legacyUpTo: number;
}

const SYNTHETIC_PROBES = 100;
const PROBE_LIST_SWEEP = [8, 16, 32, 64, 128, 256];
/** ffd3ba0's matcher takes seconds per probe at 100,000 subjects: timed on this many probes. */
const BEFORE_PROBES = 30;

function log(line: string): void {
  console.error(`[gallery] ${line}`);
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

async function realFaces(options: GalleryBenchOptions): Promise<RealFaces | undefined> {
  const seedDir = findSeedDir(options.seedDir, undefined);
  if (seedDir === undefined) {
    log('no seed data: synthetic faces only, no accuracy figures (give --seed-dir)');
    return undefined;
  }
  const cache = options.storeDir === undefined ? undefined : join(options.storeDir, 'gallery-real-faces.json');
  if (cache !== undefined && existsSync(cache)) {
    log(`real faces from ${cache}`);
    return revive(JSON.parse(await readFile(cache, 'utf8')) as RealFaces);
  }
  log(`enrolling the seed gallery of ${seedDir} with the real model ...`);
  const faces = await loadRealFaces(seedDir, log);
  if (cache !== undefined) await writeFile(cache, JSON.stringify(faces, (_, v: unknown) => (v instanceof Float32Array ? [...v] : v)));
  return faces;
}

function revive(faces: RealFaces): RealFaces {
  const f32 = (d: ArrayLike<number>) => Float32Array.from(d);
  return {
    subjects: faces.subjects.map((s) => ({ name: s.name, descriptors: s.descriptors.map(f32) })),
    known: faces.known.map((p) => ({ subject: p.subject, descriptor: f32(p.descriptor) })),
    strangers: faces.strangers.map((p) => ({ subject: p.subject, descriptor: f32(p.descriptor) })),
    enrollPhotosPerSecond: faces.enrollPhotosPerSecond,
  };
}

async function measureSize(n: number, real: RealFaces | undefined, stores: { folder: ObjectStore; s3?: ObjectStore }, options: GalleryBenchOptions) {
  const model = currentModelIdentity();
  const realSubjects = real?.subjects ?? [];
  const dist = real === undefined ? fallbackDistribution() : fitDistribution(realSubjects);
  const synthetic = syntheticSubjects(dist, Math.max(0, n - realSubjects.length), n);
  const gallery: BenchGallery = { subjects: [...realSubjects, ...synthetic], model };
  const bucket = `gallery-${n}`;
  const published = await publishSnapshot(stores.folder, bucket, gallery);
  const folder = await measureStart(stores.folder, bucket, model);
  let s3StartS: number | undefined;
  if (stores.s3 !== undefined) {
    await publishSnapshot(stores.s3, bucket, gallery);
    s3StartS = (await measureStart(stores.s3, bucket, model)).startS;
  }
  const legacyStartS = n <= options.legacyUpTo ? await measureLegacyStart(stores.folder, `legacy-${n}`, gallery) : undefined;
  const state = folder.cache.state;
  const probes = [...(real?.known ?? []), ...syntheticProbes(dist, synthetic, SYNTHETIC_PROBES, n + 1)];
  const expected = probes.map((p) => `${p.subject}|${p.subject}`);
  const descriptors = probes.map((p) => p.descriptor);
  const main = measureMatches(state, gallery.subjects, descriptors, BEFORE_PROBES);
  const lists = published.compact.lists === undefined ? 0 : published.compact.lists.subjectStarts.length - 1;
  const sweep = PROBE_LIST_SWEEP.filter((l) => l < lists).map((l) => sweepLists(state, descriptors, main.answers, l));
  const bySubject = new Map<string, readonly Float32Array[]>(realSubjects.map((s) => [s.name, s.descriptors]));
  const strangers = measureStrangers(state, real?.strangers ?? [], bySubject);
  const writes = await measureWrites(stores.folder, bucket, gallery, synthetic.slice(0, 50) as RealSubject[]);
  const right = main.answers.filter((a, i) => a === expected[i]).length;
  return {
    subjects: n,
    match_p50_ms: round(percentile(main.ivf, 50)),
    match_p99_ms: round(percentile(main.ivf, 99)),
    worker_start_s: round(folder.startS),
    gallery_mb: round(folder.mb, 1),
    worker_start_s3_s: s3StartS === undefined ? null : round(s3StartS),
    snapshot_mb: round(published.bytes / 2 ** 20, 1),
    examples: published.compact.vectors.length / 128,
    lists,
    probe_lists: Number.isFinite(DEFAULT_PROBE_LISTS) ? DEFAULT_PROBE_LISTS : 'all',
    ivf_fewest_lists_with_equal_labels: sweep.find((r) => r.equal_labels === r.of) ?? null,
    exact_p50_ms: round(percentile(main.exact, 50)),
    exact_p99_ms: round(percentile(main.exact, 99)),
    before_match_p50_ms: round(percentile(main.before, 50)),
    before_match_p99_ms: round(percentile(main.before, 99)),
    before_worker_start_s: legacyStartS === undefined ? null : round(legacyStartS),
    equal_answers: `${main.equal + strangers.equal}/${probes.length + (real?.strangers.length ?? 0)}`,
    equal_labels: `${main.equalLabels + strangers.equalLabels}/${probes.length + (real?.strangers.length ?? 0)}`,
    known_probes_right: `${right}/${probes.length}`,
    stranger_probes: real?.strangers.length ?? 0,
    false_accepts: strangers.falseAccepts,
    false_accept_rate: real === undefined ? null : round(strangers.falseAccepts / real.strangers.length, 4),
    snapshot_build_s: round(published.buildS),
    log_records_per_s: round(writes.recordsPerS, 1),
    compaction_s: round(writes.compactionS),
    probe_list_sweep: sweep,
  };
}

type Row = Awaited<ReturnType<typeof measureSize>>;

function printTable(rows: readonly Row[]): void {
  const head = '| subjects | match p50 / p99 ms | exact p50 / p99 | before p50 | start folder s | start S3 s | before start s | gallery MB | equal answers (labels) | FAR |';
  console.log(head);
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.subjects} | ${r.match_p50_ms} / ${r.match_p99_ms} | ${r.exact_p50_ms} / ${r.exact_p99_ms} | ${r.before_match_p50_ms} | ${r.worker_start_s} | ${r.worker_start_s3_s ?? '-'} | ` +
        `${r.before_worker_start_s ?? '-'} | ${r.gallery_mb} | ${r.equal_answers} (${r.equal_labels}) | ${r.false_accept_rate ?? '-'} (${r.false_accepts}/${r.stranger_probes}) |`,
    );
  }
}

export async function runGalleryBench(options: GalleryBenchOptions): Promise<void> {
  useDummyAwsCredentials();
  const loadAtStart = loadavg().map((v) => round(v, 2));
  const real = await realFaces(options);
  if (real !== undefined) log(`real faces: ${real.subjects.length} subjects, ${real.known.length} known probes, ${real.strangers.length} strangers; enrollment ${real.enrollPhotosPerSecond.toFixed(2)} photos/s`);
  const root = await mkdtemp(join(tmpdir(), 'sf-gallery-scale-'));
  let fauxqs: Fauxqs | undefined;
  try {
    fauxqs = await startFauxqs();
    const { endpoint, region } = fauxqs;
    const s3 = await createObjectStore(loadConfig({ storage: { backend: 's3', s3: { endpoint, region, forcePathStyle: true } } }, {}));
    const rows: Row[] = [];
    for (const n of options.sizes) {
      log(`N = ${n} ...`);
      rows.push(await measureSize(n, real, { folder: new LocalFolderStore(root), s3 }, options));
      log(JSON.stringify(rows.at(-1)));
    }
    printTable(rows);
    // Other processes share this machine's cores: its load average says how much the timings may be inflated.
    const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, load_average_at_start: loadAtStart, load_average_at_end: loadavg().map((v) => round(v, 2)) };
    const result = { date: new Date().toISOString(), machine, enroll_photos_per_s: real === undefined ? null : round(real.enrollPhotosPerSecond, 2), rows };
    await mkdir(options.outDir, { recursive: true });
    const path = join(options.outDir, `gallery-${dateStamp(new Date())}.json`);
    await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${path}`);
  } finally {
    await fauxqs?.stop();
    await rm(root, { recursive: true, force: true });
  }
}
