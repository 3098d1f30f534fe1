/**
 * Per-image model time of this build against another build, side by side in one process (ratios, not
 * absolutes): `npm run bench -- --model-cost --baseline <dist of the other build>` (build it with
 * `git worktree add /tmp/base <commit> && cd /tmp/base && ln -s <repo>/node_modules . && npx tsc -p .`).
 * Both embedders share one loaded model; images alternate old/new, the order flipping every round, so
 * load on the machine falls on both alike. Times are `inferenceMs` (model only, decoding excluded) and
 * the whole `embed()` call. Images: the 10 distinct course images (seed data), else face-api's demo crops.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFaceEmbedder, type FaceEmbedder } from '../src/recognition/index.js';
import { median } from './recognition-analysis.js';
import { buildDemoWorkload, distinctWorkloadImages, loadSeedWorkload } from './workload.js';

export interface ModelCostImage {
  readonly name: string;
  readonly bytes: Buffer;
}

interface Sample {
  readonly inferenceMs: number;
  readonly embedMs: number;
  readonly faces: number;
}

export interface ModelCostResult {
  readonly images: number;
  readonly rounds: number;
  readonly baseline: { readonly inferenceMsMedian: number; readonly embedMsMedian: number };
  readonly current: { readonly inferenceMsMedian: number; readonly embedMsMedian: number };
  /** current ÷ baseline of the medians. */
  readonly inferenceRatio: number;
  readonly embedRatio: number;
  /** Images where the two builds found a different number of faces. */
  readonly faceCountChanges: readonly string[];
}

async function sample(embedder: FaceEmbedder, bytes: Buffer): Promise<Sample> {
  const started = performance.now();
  const embedding = await embedder.embed(bytes);
  return { inferenceMs: embedding.inferenceMs, embedMs: performance.now() - started, faces: embedding.faces.length };
}

async function loadBaseline(distDir: string): Promise<FaceEmbedder> {
  const url = pathToFileURL(join(resolve(distDir), 'src/recognition/embedder.js')).href;
  const module = (await import(url)) as { createFaceEmbedder: () => Promise<FaceEmbedder> };
  return module.createFaceEmbedder();
}

export async function measureModelCost(baselineDist: string, images: readonly ModelCostImage[], rounds: number): Promise<ModelCostResult> {
  const builds = { baseline: await loadBaseline(baselineDist), current: await createFaceEmbedder() };
  const samples: Record<'baseline' | 'current', Sample[]> = { baseline: [], current: [] };
  const changes = new Set<string>();
  for (const image of images) await Promise.all([builds.baseline.embed(image.bytes), builds.current.embed(image.bytes)]); // warm-up
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (['baseline', 'current'] as const) : (['current', 'baseline'] as const);
    for (const image of images) {
      const got: Partial<Record<'baseline' | 'current', Sample>> = {};
      for (const build of order) got[build] = await sample(builds[build], image.bytes);
      samples.baseline.push(got.baseline as Sample);
      samples.current.push(got.current as Sample);
      if (got.baseline?.faces !== got.current?.faces) changes.add(image.name);
    }
  }
  const summary = (list: Sample[]) => ({
    inferenceMsMedian: median(list.map((s) => s.inferenceMs)),
    embedMsMedian: median(list.map((s) => s.embedMs)),
  });
  const baseline = summary(samples.baseline);
  const current = summary(samples.current);
  return {
    images: images.length,
    rounds,
    baseline,
    current,
    inferenceRatio: current.inferenceMsMedian / baseline.inferenceMsMedian,
    embedRatio: current.embedMsMedian / baseline.embedMsMedian,
    faceCountChanges: [...changes],
  };
}

/** The course's 10 distinct images (face_images_100 holds each 10 times), else the demo workload's. */
export async function courseImages(seedDir: string | undefined, scratch: string): Promise<ModelCostImage[]> {
  const workload = seedDir !== undefined ? await loadSeedWorkload(seedDir) : await buildDemoWorkload(scratch, 'seed data missing');
  return (await distinctWorkloadImages(workload)).map(({ path, bytes }) => ({ name: path, bytes }));
}
