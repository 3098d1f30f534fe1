/**
 * One worker thread of benchmark phase (a): its own face model on the runtime asked for (createFaceRecognizer on the gallery the
 * system enrolled, read from the local folder store), the workload images in memory, and nothing else —
 * no HTTP, no queue, no storage writes. The main thread sends lists of files; the thread answers with
 * the label and the milliseconds of each recognize() call.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { LocalFolderStore } from '../src/adapters/storage/local-folder.js';
import { createFaceRecognizer } from '../src/recognition/index.js';
import type { RuntimeChoice } from '../src/recognition/face-runtime.js';

export interface LimitWorkerData {
  /** Root of the local folder store (`<dataDir>/buckets`). */
  readonly bucketsRoot: string;
  readonly galleryBucket: string;
  readonly distanceThreshold: number;
  readonly margin: number;
  /** Every file this thread may be asked about; read once before `ready`. */
  readonly files: readonly string[];
  /** recognize() calls before `ready`, so the first measured call is not the first ever. */
  readonly warmupCalls: number;
  /** Runtime of the face nets (and onnx threads per net). */
  readonly runtime: RuntimeChoice;
}

export type ToLimitWorker = { readonly type: 'run'; readonly files: readonly string[] } | { readonly type: 'close' };

export type FromLimitWorker =
  | { readonly type: 'ready'; readonly subjects: number; readonly engine: string }
  | { readonly type: 'done'; readonly labels: string[]; readonly ms: number[] }
  | { readonly type: 'error'; readonly message: string };

async function start(data: LimitWorkerData): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('limit-worker runs as a worker thread');
  const images = new Map<string, Buffer>();
  for (const file of new Set(data.files)) images.set(file, await readFile(file));
  const recognizer = await createFaceRecognizer({
    store: new LocalFolderStore(data.bucketsRoot),
    galleryBucket: data.galleryBucket,
    distanceThreshold: data.distanceThreshold,
    margin: data.margin,
    galleryRefreshMs: 3_600_000,
    runtime: data.runtime,
  });
  const first = images.values().next().value as Buffer;
  for (let i = 0; i < data.warmupCalls; i += 1) await recognizer.recognize(first);
  port.on('message', (message: ToLimitWorker) => {
    if (message.type === 'close') {
      void recognizer.close().then(() => port.close());
      return;
    }
    void recognizeAll(message.files, images, recognizer).then(
      (done) => port.postMessage(done),
      (error: unknown) => port.postMessage({ type: 'error', message: String(error) }),
    );
  });
  const engine = `${recognizer.runtime.runtime}: ${recognizer.runtime.engine}`;
  port.postMessage({ type: 'ready', subjects: recognizer.gallery.index.length, engine } satisfies FromLimitWorker);
}

async function recognizeAll(
  files: readonly string[],
  images: ReadonlyMap<string, Buffer>,
  recognizer: { recognize(image: Buffer): Promise<{ label: string }> },
): Promise<FromLimitWorker> {
  const labels: string[] = [];
  const ms: number[] = [];
  for (const file of files) {
    const image = images.get(file);
    if (image === undefined) throw new Error(`${file} was not preloaded`);
    const started = performance.now();
    labels.push((await recognizer.recognize(image)).label);
    ms.push(performance.now() - started);
  }
  return { type: 'done', labels, ms };
}

start(workerData as LimitWorkerData).catch((error: unknown) => {
  parentPort?.postMessage({ type: 'error', message: String(error) } satisfies FromLimitWorker);
});
