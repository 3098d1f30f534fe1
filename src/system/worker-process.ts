import { createWorkerReporter } from '../adapters/compute/index.js';
import type { Config } from '../config/index.js';
import type { WorkerReporter } from '../ports/worker-reporter.js';
import { createFaceRecognizer, type FaceRecognizer } from '../recognition/index.js';
import { currentModelIdentity } from '../recognition/model-identity.js';
import { QueueConsumer } from '../messaging/queue-consumer.js';
import { createRecognitionHandler } from '../worker/recognition-handler.js';
import { createBackends, ensureBuckets, faceRuntimeOf, openRequestQueue, type Backends } from './backends.js';
import { createLogger, type Logger } from './logger.js';

/** What runs the model, as the worker reports it: e.g. `onnx: onnxruntime-node 1.30.0 (1 thread per net)`. */
function runtimeLabel(recognizer: FaceRecognizer, log: Logger): string {
  const { runtime, engine, fallbackReason } = recognizer.runtime;
  if (fallbackReason !== undefined) {
    // Several times slower than onnx: say so loudly, once, with the reason and the way to make it an error.
    log.warn({ runtime, engine, reason: fallbackReason }, 'onnxruntime could not load: the face nets run on wasm, several times slower (SCALEFACE_RUNTIME=onnx makes this an error)');
  }
  return `${runtime}: ${engine}${fallbackReason === undefined ? '' : ' (fallback)'}`;
}

function loadRecognizer(config: Config, backends: Backends, log: Logger): Promise<FaceRecognizer> {
  return createFaceRecognizer({
    store: backends.store,
    galleryBucket: backends.names.galleryBucket,
    distanceThreshold: config.recognition.distanceThreshold,
    margin: config.recognition.margin,
    galleryRefreshMs: config.recognition.galleryRefreshMs,
    runtime: faceRuntimeOf(config),
    // e.g. the gallery was re-enrolled with another model: the one loaded before stays in use meanwhile
    onGalleryError: (error) => log.warn({ code: error.code, err: error.message }, 'gallery refresh failed'),
  });
}

/**
 * One app-tier instance: loads the model, consumes the request queue until SIGTERM (or until the pool that
 * started it is gone), then finishes the messages it holds and exits. Reports `ready` and its busy count to
 * that pool through the compute backend's WorkerReporter.
 */
export async function runWorker(config: Config, workerName: string): Promise<void> {
  const log = createLogger(config, workerName);
  const backends = await createBackends(config);
  // Created as soon as the store it may write heartbeats to exists, before the buckets are checked and the
  // model loads: an owner that dies meanwhile must still end this worker (it would otherwise consume the
  // queue as an orphan nobody counts or stops). One that died even earlier counts too (see LocalProcessReporter).
  const reporter = createWorkerReporter(config, {
    store: backends.store,
    controlBucket: backends.names.controlBucket,
    name: workerName,
    onError: (error) => log.warn({ err: String(error) }, 'heartbeat write failed'),
    onShutdown: (outcome) => log.warn({ outcome }, 'no work and no autoscaler for too long: gave this machine up'),
  });
  let orphaned = false;
  void reporter.ownerGone.then(() => (orphaned = true));
  await ensureBuckets(backends);
  const recognizer = await loadRecognizer(config, backends, log);
  const label = runtimeLabel(recognizer, log);
  if (orphaned) {
    // The pool that started this worker died (or nobody drove it for too long) while the model loaded: take no work at all.
    log.warn('the owner of this worker is gone; exiting before taking work');
    await reporter.close();
    await recognizer.close();
    await backends.queues.close();
    return;
  }
  await consumeUntilStopped(config, { backends, recognizer, reporter, log, workerName, runtimeLabel: label });
}

interface RunningWorker {
  readonly backends: Backends;
  readonly recognizer: FaceRecognizer;
  readonly reporter: WorkerReporter;
  readonly log: Logger;
  readonly workerName: string;
  /** See runtimeLabel. */
  readonly runtimeLabel: string;
}

/** Consumes the request queue until SIGTERM, SIGINT or the owner's end; resolves once everything is closed. */
async function consumeUntilStopped(config: Config, worker: RunningWorker): Promise<void> {
  const { backends, recognizer, reporter, log, workerName } = worker;
  const queue = await openRequestQueue(backends);
  const consumer = new QueueConsumer({
    queue,
    concurrency: config.worker.concurrency,
    waitTimeSeconds: config.worker.waitTimeSeconds,
    visibilityTimeoutSeconds: config.queue.visibilityTimeoutSeconds,
    stopTimeoutMs: config.worker.stopTimeoutMs,
    handlerTimeoutMs: config.worker.handlerTimeoutMs,
    handler: createRecognitionHandler({
      ...backends,
      recognizer,
      workerName,
      maxReceiveCount: config.queue.maxReceiveCount,
      retryBackoff: { baseMs: config.worker.retryBaseMs, maxMs: config.worker.retryMaxMs },
      log: (level, fields, msg) => log[level](fields, msg),
    }),
    onBusyChange: (count) => reporter.busy(count),
    onError: (error, context) => log.warn({ err: error.message, context }, 'consumer error'),
  });
  consumer.start();
  reporter.ready(worker.runtimeLabel);
  const { runtime, engine } = recognizer.runtime;
  log.info({ queue: queue.name, runtime, engine, model: currentModelIdentity(), galleryModel: recognizer.gallery.loadedModel }, 'worker ready');

  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log.info({ why, busy: consumer.busy }, 'worker stopping');
      await consumer.stop();
      await reporter.close();
      await recognizer.close();
      await backends.queues.close();
      log.info('worker stopped');
    })());
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
    process.once('SIGINT', () => void stop('SIGINT').then(resolve));
    // Local: the parent process died; EC2: no work and no autoscaler for unattendedShutdownMs.
    void reporter.ownerGone.then(() => stop('owner gone').then(resolve));
  });
}
