/**
 * Phase (a): the bare recognizer, the ceiling the system can approach. One worker thread per core, each with
 * its own model; first one thread alone gives the single-thread median per image, then every thread at once
 * recognizes an even share of the images, timed from the moment they all start to the last one finishing.
 */
import { Worker } from 'node:worker_threads';
import { fileStem } from '../src/load/expected-labels.js';
import type { RuntimeChoice } from '../src/recognition/face-runtime.js';
import { ownCpuMs } from './process-cpu.js';
import type { BareMeasurement } from './result.js';
import type { FromLimitWorker, LimitWorkerData, ToLimitWorker } from './limit-worker.js';

export interface BareRecognizerOptions {
  readonly bucketsRoot: string;
  readonly galleryBucket: string;
  readonly distanceThreshold: number;
  readonly margin: number;
  /** Recognized one by one on one thread for the median (the same images the warm phase sends). */
  readonly singleThreadFiles: readonly string[];
  /** Shared among the workers; undefined skips the parallel run. */
  readonly parallelFiles?: readonly string[];
  readonly workers: number;
  readonly expected: ReadonlyMap<string, string>;
  /** Runtime of the face nets in every worker (onnx: with its threads per net). */
  readonly runtime: RuntimeChoice;
  /** The model measured (`--model`): face by default. */
  readonly model?: string;
}

interface ThreadHandle {
  readonly worker: Worker;
  readonly engine: string;
  run(files: readonly string[]): Promise<{ labels: string[]; ms: number[] }>;
}

function nextMessage(worker: Worker): Promise<FromLimitWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromLimitWorker) => {
      worker.off('error', onError);
      if (message.type === 'error') reject(new Error(`bench worker: ${message.message}`));
      else resolve(message);
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

async function startThread(data: LimitWorkerData): Promise<ThreadHandle> {
  const worker = new Worker(new URL('./limit-worker.js', import.meta.url), { workerData: data });
  const ready = await nextMessage(worker);
  if (ready.type !== 'ready') throw new Error(`bench worker sent ${ready.type} before ready`);
  if (ready.subjects === 0) throw new Error('bench worker sees an empty gallery');
  return {
    worker,
    engine: ready.engine,
    async run(files) {
      worker.postMessage({ type: 'run', files } satisfies ToLimitWorker);
      const done = await nextMessage(worker);
      if (done.type !== 'done') throw new Error(`bench worker sent ${done.type} instead of done`);
      return done;
    },
  };
}

/** Round-robin shares: file i goes to worker i % workers. */
export function splitAcross<T>(items: readonly T[], workers: number): T[][] {
  const shares: T[][] = Array.from({ length: workers }, () => []);
  items.forEach((item, i) => shares[i % workers]?.push(item));
  return shares;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function countCorrect(files: readonly string[], labels: readonly string[], expected: ReadonlyMap<string, string>): number {
  return files.filter((file, i) => expected.get(fileStem(file)) === labels[i]).length;
}

async function runParallel(threads: readonly ThreadHandle[], files: readonly string[], expected: ReadonlyMap<string, string>) {
  const shares = splitAcross(files, threads.length);
  const started = performance.now();
  const cpuBefore = ownCpuMs();
  const results = await Promise.all(threads.map((t, i) => t.run(shares[i] ?? [])));
  const durationS = (performance.now() - started) / 1000;
  // This process does nothing else meanwhile: its CPU is the model's (decode, nets, matching) on every thread.
  const cpuMsPerImage = (ownCpuMs() - cpuBefore) / files.length;
  const correct = results.reduce((sum, r, i) => sum + countCorrect(shares[i] ?? [], r.labels, expected), 0);
  return { workers: threads.length, images: files.length, durationS, correct, cpuMsPerImage };
}

/** Runs phase (a); every thread is stopped before this resolves or rejects. */
export async function measureBareRecognizer(options: BareRecognizerOptions): Promise<BareMeasurement> {
  const count = options.parallelFiles === undefined ? 1 : options.workers;
  const data: LimitWorkerData = {
    bucketsRoot: options.bucketsRoot,
    galleryBucket: options.galleryBucket,
    distanceThreshold: options.distanceThreshold,
    margin: options.margin,
    files: [...new Set([...options.singleThreadFiles, ...(options.parallelFiles ?? [])])],
    warmupCalls: 3,
    runtime: options.runtime,
    ...(options.model === undefined ? {} : { model: options.model }),
  };
  const started = await Promise.allSettled(Array.from({ length: count }, () => startThread(data)));
  const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    const cpuBefore = ownCpuMs();
    const single = await (threads[0] as ThreadHandle).run(options.singleThreadFiles);
    const singleThreadCpuMsPerImage = (ownCpuMs() - cpuBefore) / Math.max(1, single.ms.length);
    const parallel = options.parallelFiles === undefined ? null : await runParallel(threads, options.parallelFiles, options.expected);
    const engine = (threads[0] as ThreadHandle).engine;
    return { engine, singleThreadMedianMs: median(single.ms), singleThreadImages: single.ms.length, singleThreadCpuMsPerImage, parallel };
  } finally {
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}
