/**
 * One worker thread of benchmark phase (a): its own model (the face model on the runtime asked for, on the
 * gallery the system enrolled, read from the local folder store; or the objects or a custom model, `--model`), the workload images in memory, and nothing else —
 * no HTTP, no queue, no storage writes. The main thread sends lists of files; the thread answers with
 * the label and the milliseconds of each recognize() call.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { LocalFolderStore } from '../src/adapters/storage/local-folder.js';
import { loadConfig, modelFromSpec } from '../src/config/index.js';
import { createImageModel, FaceImageModel } from '../src/models/index.js';
import type { ImageModel } from '../src/ports/image-model.js';
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
  /** `--model` of the bench: face (default), objects or a custom model's folder. */
  readonly model?: string;
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
  const model = await loadModel(data);
  const first = images.values().next().value as Buffer;
  for (let i = 0; i < data.warmupCalls; i += 1) await model.classify(first);
  port.on('message', (message: ToLimitWorker) => {
    if (message.type === 'close') {
      void model.close().then(() => port.close());
      return;
    }
    void recognizeAll(message.files, images, model).then(
      (done) => port.postMessage(done),
      (error: unknown) => port.postMessage({ type: 'error', message: String(error) }),
    );
  });
  // The face model needs an enrolled gallery; the others have no subjects (reported as -1).
  const subjects = model instanceof FaceImageModel ? model.recognizer.gallery.index.length : -1;
  port.postMessage({ type: 'ready', subjects, engine: model.describe().runtime } satisfies FromLimitWorker);
}

/** The model the bench measures, loaded as a worker loads it (the face model on the enrolled gallery). */
async function loadModel(data: LimitWorkerData): Promise<ImageModel> {
  const store = new LocalFolderStore(data.bucketsRoot);
  if (data.model !== undefined && data.model !== 'face') {
    const config = loadConfig({ model: modelFromSpec(data.model), recognition: { threads: data.runtime.threads ?? 1 } }, {});
    return createImageModel(config, { store, galleryBucket: data.galleryBucket, runtime: data.runtime });
  }
  const recognizer = await createFaceRecognizer({
    store,
    galleryBucket: data.galleryBucket,
    distanceThreshold: data.distanceThreshold,
    margin: data.margin,
    galleryRefreshMs: 3_600_000,
    runtime: data.runtime,
  });
  return new FaceImageModel(recognizer);
}

async function recognizeAll(
  files: readonly string[],
  images: ReadonlyMap<string, Buffer>,
  model: Pick<ImageModel, 'classify'>,
): Promise<FromLimitWorker> {
  const labels: string[] = [];
  const ms: number[] = [];
  for (const file of files) {
    const image = images.get(file);
    if (image === undefined) throw new Error(`${file} was not preloaded`);
    const started = performance.now();
    labels.push((await model.classify(image)).label);
    ms.push(performance.now() - started);
  }
  return { type: 'done', labels, ms };
}

start(workerData as LimitWorkerData).catch((error: unknown) => {
  parentPort?.postMessage({ type: 'error', message: String(error) } satisfies FromLimitWorker);
});
