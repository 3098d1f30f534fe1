/**
 * `npm run bench`: in one run on this machine,
 *   (a) the bare recognizer's throughput with one worker thread per core (the limit) and its one-thread
 *       median per image;
 *   (b) the seed workload end to end through `scaleface up` (a child process), from 0 workers;
 *   (c) what follows from both: ratio b/a, cold start to first answer, latency percentiles, added latency
 *       at concurrency 1, peak memory of the whole process tree, instances over time, scale-in time.
 * Prints a table; writes bench/results/<date>.json and .svg. Flags: see BENCH_USAGE (--help).
 */
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { enrollFolder } from '../src/cli/enroll.js';
import { resourceNames } from '../src/config/index.js';
import type { RuntimeChoice } from '../src/recognition/face-runtime.js';
import { faceRuntimeOf } from '../src/system/backends.js';
import { configSchema, resolveDerivedDefaults } from '../src/config/schema.js';
import { BENCH_USAGE, parseBenchArgs, type BenchOptions } from './bench-options.js';
import { measureBareRecognizer } from './limit.js';
import { formatModelsTable, formatResultTable } from './report-table.js';
import { buildBenchResult, type BareMeasurement, type BenchMeasurements, type MachineInfo } from './result.js';
import { writeResultFiles } from './results-writer.js';
import { SystemSampler } from './sampler.js';
import { startSystemProcess, type SystemProcess } from './system-process.js';
import { runSystemPhases, waitUntilIdle, type SystemPhaseResults } from './system-phases.js';
import { buildDemoWorkload, findSeedDir, loadSeedWorkload, type Workload } from './workload.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** What `scaleface up` runs with when nothing is configured (the child gets no SCALEFACE_* variables). */
const DEFAULTS = resolveDerivedDefaults(configSchema.parse({}));

function log(line: string): void {
  console.error(`[bench] ${line}`);
}

function machineInfo(loadAtStart: number[]): MachineInfo {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpu_model: cores[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    total_mem_mb: Math.round(totalmem() / 2 ** 20),
    load_average_start: loadAtStart,
    load_average_end: loadavg(),
  };
}

/** The first `count` files of the workload, cycling when it has fewer. */
function firstFiles(files: readonly string[], count: number): string[] {
  return Array.from({ length: count }, (_, i) => files[i % files.length] as string);
}

async function resolveWorkload(options: BenchOptions, scratch: string): Promise<Workload> {
  const seedDir = options.demo ? undefined : findSeedDir(options.seedDir, process.env.SCALEFACE_SEED_DATA);
  if (seedDir !== undefined) return loadSeedWorkload(seedDir);
  if (!options.demo) log('SEED DATA MISSING: no face_images_1000/ and gallery/ found (set --seed-dir or SCALEFACE_SEED_DATA)');
  log("using crops of face-api's demo photos (node_modules/@vladmandic/face-api/demo/sample*.jpg) instead of the seed workload");
  return buildDemoWorkload(join(scratch, 'demo-workload'), options.demo ? '--demo' : 'seed data missing');
}

async function enroll(workload: Workload, url: string): Promise<number> {
  log(`enrolling ${workload.info.gallery_subjects} subjects from ${workload.galleryDir} (not timed in the throughput)`);
  const started = performance.now();
  const { failed } = await enrollFolder(workload.galleryDir, {
    url,
    onSubject: (name, ok, detail) => (ok ? undefined : log(`enrollment of ${name} failed: ${detail}`)),
  });
  if (failed === workload.info.gallery_subjects) throw new Error('every enrollment failed');
  if (failed > 0) log(`${failed} subject(s) could not be enrolled`);
  return (performance.now() - started) / 1000;
}

interface BareLayout {
  readonly label: string;
  /** `--model`: face, objects or a model folder. */
  readonly model: string;
  readonly workers: number;
  readonly runtime: RuntimeChoice;
  /** False: only the one-thread median (the alternatives are skipped with --skip-limit). */
  readonly parallel: boolean;
}

function measureBare(options: BenchOptions, workload: Workload, dataDir: string, requests: number, layout: BareLayout): Promise<BareMeasurement> {
  const { workers, runtime } = layout;
  const images = options.limitImages ?? requests;
  const what = `${layout.label}, ${runtime.runtime ?? 'auto'}${runtime.runtime === 'wasm' ? '' : ` ${runtime.threads ?? 1} thread(s) per net`}`;
  log(layout.parallel ? `(a) bare recognizer (${what}): ${images} images on ${workers} worker threads` : `(a) one-thread baseline only (${what})`);
  return measureBareRecognizer({
    runtime,
    bucketsRoot: join(dataDir, 'buckets'),
    galleryBucket: resourceNames(DEFAULTS).galleryBucket,
    distanceThreshold: DEFAULTS.recognition.distanceThreshold,
    margin: DEFAULTS.recognition.margin,
    singleThreadFiles: firstFiles(workload.files, options.warmRequests),
    parallelFiles: layout.parallel ? firstFiles(workload.files, images) : undefined,
    workers,
    expected: workload.expected,
    model: layout.model,
  });
}

/**
 * (a) on the system's own runtime and layout (one worker per core, as many as the autoscaler may start),
 * then side by side: the wasm runtime with one worker per core, and onnx with one worker using every core.
 */
async function measureBareLayouts(options: BenchOptions, workload: Workload, dataDir: string, requests: number, model: string) {
  const cores = options.limitWorkers ?? cpus().length;
  const system = faceRuntimeOf(DEFAULTS);
  const parallel = !options.skipLimit;
  const bare = await measureBare(options, workload, dataDir, requests, { label: `${model}, as the system runs`, model, workers: cores, runtime: system, parallel });
  log(`(a) ${bare.engine}: one thread median ${bare.singleThreadMedianMs.toFixed(1)} ms per image`);
  // The runtime alternatives are the face nets' (wasm, one onnx worker on every core).
  if (!parallel || model !== 'face' || options.skipAlternatives) return { bare, bareAlternatives: null };
  const wasm = await measureBare(options, workload, dataDir, requests, { label: 'wasm', model, workers: cores, runtime: { runtime: 'wasm' }, parallel });
  const oneWorker = await measureBare(options, workload, dataDir, requests, {
    label: 'one worker, every core',
    model,
    workers: 1,
    runtime: { ...system, runtime: 'onnx', threads: cores },
    parallel,
  });
  return { bare, bareAlternatives: { wasm, oneWorker } };
}

interface SystemRun {
  readonly enrollS: number;
  readonly bare: BareMeasurement;
  readonly bareAlternatives: BenchMeasurements['bareAlternatives'];
  readonly phases: SystemPhaseResults;
  readonly sampler: SystemSampler;
}

async function sampleSystemPhases(system: SystemProcess, options: BenchOptions, workload: Workload, requests: number) {
  const sampler = new SystemSampler(system.url, system.pid);
  sampler.start();
  try {
    const phases = await runSystemPhases(sampler, {
      url: system.url,
      workload,
      requests,
      concurrency: options.concurrency,
      warmFiles: firstFiles(workload.files, options.warmRequests),
      timeoutMs: options.timeoutMs,
      log,
      rootPid: system.pid,
    });
    return { sampler, phases };
  } finally {
    await sampler.stop();
  }
}

async function runAgainstSystem(options: BenchOptions, workload: Workload, dataDir: string, requests: number, model: string): Promise<SystemRun> {
  const cli = options.system === undefined ? undefined : join(resolve(options.system), 'src/cli/main.js');
  const system = await startSystemProcess(dataDir, process.env, model, cli);
  log(`${cli ?? 'scaleface'} up --model ${model} (pid ${system.pid}) serving on ${system.url}`);
  try {
    const enrollS = model === 'face' ? await enroll(workload, system.url) : 0;
    await waitUntilIdle(system.url);
    const { bare, bareAlternatives } = await measureBareLayouts(options, workload, dataDir, requests, model);
    const { sampler, phases } = await sampleSystemPhases(system, options, workload, requests);
    return { enrollS, bare, bareAlternatives, phases, sampler };
  } finally {
    await system.stop();
  }
}

async function measure(options: BenchOptions, scratch: string, model: string): Promise<BenchMeasurements> {
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const faceWorkload = await resolveWorkload(options, scratch);
  // Other models answer other labels for the same images: their runs measure throughput, not correctness.
  const workload = model === 'face' ? faceWorkload : { ...faceWorkload, expected: new Map<string, string>() };
  log(`model ${model}, workload: ${workload.info.name}`);
  const requests = options.requests ?? workload.defaultRequests;
  const dataDir = join(scratch, `data-${options.models.indexOf(model)}`);
  await mkdir(dataDir, { recursive: true });
  // The system runs in its data folder: a model folder is handed on as an absolute path.
  const spec = model === 'face' || model === 'objects' ? model : resolve(model);
  const run = await runAgainstSystem(options, workload, dataDir, requests, spec);
  return {
    model,
    startedAt,
    finishedAt: new Date(),
    machine: machineInfo(loadAtStart),
    workload: workload.info,
    enrollS: run.enrollS,
    bare: run.bare,
    bareAlternatives: run.bareAlternatives,
    coldFirstAnswerS: run.phases.coldFirstAnswerS,
    coldLabelCorrect: run.phases.coldLabelCorrect,
    warm: run.phases.warm,
    load: run.phases.load,
    loadCpu: run.phases.loadCpu,
    samples: run.sampler.samples,
    phases: run.sampler.phases,
    lastAnswerS: run.phases.lastAnswerS,
  };
}

function optionsOrExit(argv: readonly string[]): BenchOptions {
  try {
    return parseBenchArgs(argv);
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n${BENCH_USAGE}`);
    process.exit(2);
  }
}

async function runModelCostBench(options: BenchOptions): Promise<void> {
  if (options.baseline === undefined) throw new Error('--model-cost needs --baseline <dist folder of the other build>');
  const { courseImages, measureModelCost } = await import('./model-cost.js');
  const seedDir = findSeedDir(options.seedDir, process.env.SCALEFACE_SEED_DATA);
  const images = await courseImages(seedDir, await mkdtemp(join(tmpdir(), 'scaleface-bench-')));
  log(`model cost: ${images.length} images x ${options.rounds} rounds, this build vs ${options.baseline}`);
  console.log(JSON.stringify(await measureModelCost(options.baseline, images, options.rounds), null, 2));
}

async function main(): Promise<void> {
  const options = optionsOrExit(process.argv.slice(2));
  if (options.help) return console.log(BENCH_USAGE);
  if (options.accuracy) {
    const { runAccuracyBench } = await import('./accuracy/main.js');
    return runAccuracyBench({
      seedDir: options.seedDir,
      realPhotosDir: options.realPhotosDir,
      storeDir: options.store,
      envSeedDir: process.env.SCALEFACE_SEED_DATA,
      envRealPhotosDir: process.env.SCALEFACE_REAL_PHOTOS,
      baselineDist: options.baseline,
    });
  }
  if (options.modelCost) return runModelCostBench(options);
  if (options.gallery !== undefined) {
    const { runGalleryBench } = await import('./gallery/main.js');
    const outDir = options.outDir ?? join(REPO_ROOT, 'bench/results');
    return runGalleryBench({ sizes: options.gallery, seedDir: options.seedDir, outDir, legacyUpTo: options.legacyUpTo, storeDir: options.store });
  }
  log(`load average at start: ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cpus; models: ${options.models.join(', ')}`);
  const scratch = await mkdtemp(join(tmpdir(), 'scaleface-bench-'));
  const results = [];
  try {
    for (const model of options.models) {
      const measured = await measure(options, scratch, model);
      const result = buildBenchResult(measured);
      console.log(`\n== model ${model} ==\n${formatResultTable(result)}`);
      const written = await writeResultFiles(options.outDir ?? join(REPO_ROOT, 'bench/results'), result, measured.startedAt);
      console.log(`\nwrote ${written.jsonPath}\nwrote ${written.svgPath}`);
      results.push(result);
    }
    console.log(`\n${formatModelsTable(results)}`);
  } finally {
    if (options.keep) log(`kept ${scratch}`);
    else await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
