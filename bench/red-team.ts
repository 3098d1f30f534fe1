/**
 * The red team of issue 24, rerunnable: starts `scaleface up` (this build, or another one's `dist/src/cli/main.js`
 * given with --cli, to compare before and after) on a fresh data folder and a free port, runs the attacks asked
 * for, and prints their figures as JSON (memory is the summed RSS of up and its workers, read from /proc).
 *
 *   node dist/bench/red-team.js [--cli <main.js>] [--attack jobs,stalled,slow,overload,bigpng] [--config '<json>']
 *       [--jobs 200] [--job-mb 10] [--job-concurrency 20] [--stalled 100] [--stall-mb 9] [--hold-s 90]
 *       [--slow 300] [--slow-hold-s 330] [--clients 1000] [--per-client 3]
 *
 * --config is written to the data folder's scaleface.config.json (e.g. '{"web":{"bodyBudgetBytes":100000000}}').
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  awaitJobs,
  bigPixelImage,
  courseImage,
  floodJobs,
  noisyPng,
  overload,
  settledRssMb,
  stallUploads,
  treeNow,
  trickleUploads,
  type Target,
} from './red-team-attacks.js';
import { postUpload } from './red-team-clients.js';
import { CLI_ENTRY, startSystemProcess } from './system-process.js';

const { values } = parseArgs({
  options: {
    cli: { type: 'string', default: CLI_ENTRY },
    attack: { type: 'string', default: 'jobs,stalled,slow,overload,bigpng' },
    config: { type: 'string', default: '{}' },
    jobs: { type: 'string', default: '200' },
    'job-mb': { type: 'string', default: '10' },
    'job-concurrency': { type: 'string', default: '20' },
    stalled: { type: 'string', default: '100' },
    'stall-mb': { type: 'string', default: '9' },
    'hold-s': { type: 'string', default: '90' },
    slow: { type: 'string', default: '300' },
    'slow-hold-s': { type: 'string', default: '330' },
    clients: { type: 'string', default: '1000' },
    'per-client': { type: 'string', default: '3' },
  },
});

const MB = 1024 * 1024;
const number = (name: keyof typeof values) => Number(values[name]);

async function labelsIn(dataDir: string, files: readonly string[]): Promise<{ labelled: number; missing: number }> {
  const present = new Set(await readdir(join(dataDir, 'buckets', 'scaleface-out-bucket')).catch(() => [] as string[]));
  const missing = files.filter((f) => !present.has(f.replace(/\.[^.]*$/, ''))).length;
  return { labelled: files.length - missing, missing };
}

type Attack = (target: Target, dataDir: string) => Promise<unknown>;

const ATTACKS: Record<string, Attack> = {
  jobs: async (target, dataDir) => {
    // Just under the default 10 MiB upload limit once the multipart framing is added.
    const image = await noisyPng(number('job-mb') * MB - 64 * 1024);
    const flood = await floodJobs(target, image, number('jobs'), number('job-concurrency'));
    const jobs = await awaitJobs(target.url, flood.acceptedIds, 15 * 60_000);
    const settledMb = await settledRssMb(target.pid, 60_000);
    const { acceptedIds: _ids, acceptedFiles, ...figures } = flood;
    const labels = await labelsIn(dataDir, acceptedFiles);
    return { imageBytes: image.length, ...figures, accepted: acceptedFiles.length, jobs, ...labels, settledMb, settled: await treeNow(target.pid) };
  },
  stalled: async (target) => {
    const image = await noisyPng(10 * MB - 64 * 1024);
    const held = await stallUploads(target, image, number('stall-mb') * MB, number('stalled'), number('hold-s') * 1000);
    return { ...held, settledMb: await settledRssMb(target.pid, 60_000), settled: await treeNow(target.pid) };
  },
  slow: async (target) => trickleUploads(target, number('slow'), number('slow-hold-s') * 1000),
  overload: async (target) => overload(target, number('clients'), number('per-client'), 180_000),
  bigpng: async (target) => bigPixelImage(target),
};

/** Each attack on a fresh `up` (data folder, port, processes), so that none inherits another's memory. */
async function runOnFreshSystem(name: string, attack: Attack): Promise<unknown> {
  const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-red-team-'));
  await writeFile(join(dataDir, 'scaleface.config.json'), values.config);
  const system = await startSystemProcess(dataDir, process.env, 'face', values.cli);
  try {
    const target: Target = { url: system.url, pid: system.pid, normalImage: await courseImage() };
    // Warm: one normal answer (a worker started and loaded its model), then memory at rest.
    const warm = await postUpload(system.url, '/v1/recognitions', 'warm.jpg', target.normalImage);
    const normalInferenceMs = (JSON.parse(warm.body) as { inferenceMs?: number }).inferenceMs ?? null;
    const restMb = await settledRssMb(system.pid, 20_000);
    const rest = await treeNow(system.pid);
    const started = Date.now();
    const figures = (await attack(target, dataDir)) as object;
    return { restMb, rest, normalInferenceMs, ...figures, seconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    await system.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { cli: values.cli, config: JSON.parse(values.config) as unknown, at: new Date().toISOString() };
  for (const name of values.attack.split(',')) {
    const attack = ATTACKS[name];
    if (attack === undefined) throw new Error(`unknown attack ${name}; known: ${Object.keys(ATTACKS).join(', ')}`);
    results[name] = await runOnFreshSystem(name, attack);
    console.error(`${name}: ${JSON.stringify(results[name])}`);
  }
  console.log(JSON.stringify(results, null, 2));
}

await main();
