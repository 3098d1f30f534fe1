/**
 * A worker's cold start and memory, phase by phase, for this build and others side by side:
 *   node dist/bench/worker-start.js [--baseline <dist of another build>]... [--rounds 3] [--images 100]
 * Each round spawns one fresh process per build that times (wall and process CPU) and weighs (RSS): the
 * worker's imports, the face nets' sessions, the first inference, then `images` more (resident peak). The graph
 * caches are warmed first, as a worker that ran once on this machine finds them. Medians over the rounds.
 * The gallery load is not in it (it is 28a's; `npm run bench` measures the whole cold first answer).
 */
import { fork } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findSeedDir } from './workload.js';

interface Phase {
  readonly name: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMb: number;
}

const THIS_DIST = resolve(fileURLToPath(import.meta.url), '../..');

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Runs in the child: the phases of one build's worker start. */
async function child(dist: string, cacheDir: string, imagesDir: string, count: number): Promise<void> {
  const phases: Phase[] = [];
  let wall = performance.now();
  let cpu = cpuMs();
  const mark = (name: string) => {
    const [nowWall, nowCpu] = [performance.now(), cpuMs()];
    phases.push({ name, wallMs: nowWall - wall, cpuMs: nowCpu - cpu, rssMb: process.memoryUsage().rss / 2 ** 20 });
    [wall, cpu] = [nowWall, nowCpu];
  };
  mark('node start');
  const url = (path: string) => pathToFileURL(join(dist, path)).href;
  await import(url('src/system/worker-process.js'));
  mark('imports');
  const { loadFaceNetworks } = (await import(url('src/recognition/face-runtime.js'))) as typeof import('../src/recognition/face-runtime.js');
  const { FaceApiEmbedder } = (await import(url('src/recognition/embedder.js'))) as typeof import('../src/recognition/embedder.js');
  const embedder = new FaceApiEmbedder(await loadFaceNetworks({ runtime: 'onnx', threads: 1, cacheDir }));
  mark('sessions');
  const images = readdirSync(imagesDir).filter((f) => f.endsWith('.jpg')).sort().slice(0, count).map((f) => readFileSync(join(imagesDir, f)));
  await embedder.embed(images[0] as Buffer);
  const firstAnswerAt = Date.now();
  mark('first inference');
  let peak = 0;
  for (const image of images) {
    await embedder.embed(image);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  mark(`${images.length} more`);
  process.send?.({ phases, peakMb: peak / 2 ** 20, firstAnswerAt });
}

interface ChildRun {
  readonly phases: Phase[];
  readonly peakMb: number;
  /** From fork() to the first inference's end. */
  readonly firstAnswerMs: number;
}

function runChild(dist: string, cacheDir: string, imagesDir: string, count: number): Promise<ChildRun> {
  const started = Date.now();
  const process_ = fork(fileURLToPath(import.meta.url), ['--child', dist, cacheDir, imagesDir, String(count)]);
  return new Promise((resolveRun, reject) => {
    process_.once('message', (m: { phases: Phase[]; peakMb: number; firstAnswerAt: number }) => resolveRun({ phases: m.phases, peakMb: m.peakMb, firstAnswerMs: m.firstAnswerAt - started }));
    process_.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`child of ${dist} exited ${code}`))));
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const [dist, cacheDir, imagesDir, count] = process.argv.slice(3) as [string, string, string, string];
    return child(dist, cacheDir, imagesDir, Number(count));
  }
  const { values } = parseArgs({ options: { baseline: { type: 'string', multiple: true }, rounds: { type: 'string', default: '3' }, images: { type: 'string', default: '100' } } });
  const seed = findSeedDir(undefined, undefined);
  if (seed === undefined) throw new Error('worker-start needs the seed data (face_images_1000)');
  const imagesDir = join(seed, 'face_images_1000');
  const builds = [THIS_DIST, ...(values.baseline ?? []).map((d) => resolve(d))];
  const caches = await Promise.all(builds.map(() => mkdtemp(join(tmpdir(), 'scaleface-start-'))));
  const runs = builds.map(() => [] as ChildRun[]);
  for (const [i, build] of builds.entries()) await runChild(build, caches[i] as string, imagesDir, 1); // warms the caches
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const [i, build] of builds.entries()) runs[i]?.push(await runChild(build, caches[i] as string, imagesDir, Number(values.images)));
  }
  console.log(`Node ${process.version}, ${values.rounds} rounds, medians; wall ms / process CPU ms / RSS MB after the phase`);
  for (const [i, build] of builds.entries()) {
    const done = runs[i] ?? [];
    const names = done[0]?.phases.map((p) => p.name) ?? [];
    const cells = names.map((name, k) => {
      const of = (key: keyof Omit<Phase, 'name'>) => median(done.map((r) => r.phases[k]?.[key] ?? NaN)).toFixed(0);
      return `${name} ${of('wallMs')}/${of('cpuMs')}/${of('rssMb')}`;
    });
    console.log(`${build}:\n  ${cells.join('; ')}\n  fork to first answer ${median(done.map((r) => r.firstAnswerMs)).toFixed(0)} ms wall; peak RSS ${median(done.map((r) => r.peakMb)).toFixed(0)} MB`);
  }
}

await main();
