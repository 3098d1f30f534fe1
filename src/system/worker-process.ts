import { createWorkerReporter } from '../adapters/compute/index.js';
import type { Config } from '../config/index.js';
import type { WorkerReporter } from '../ports/worker-reporter.js';
import { createImageModel } from '../models/index.js';
import type { ImageModel, ModelInfo } from '../ports/image-model.js';
import { QueueConsumer } from '../messaging/queue-consumer.js';
import { createRecognitionHandler } from '../worker/recognition-handler.js';
import { createBackends, ensureBuckets, faceRuntimeOf, openRequestQueue, type Backends } from './backends.js';
import { stopOnSignals } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';

/** The configured model (face, objects or custom: src/models), with its gallery when it is the face model. */
function loadModel(config: Config, backends: Backends, log: Logger): Promise<ImageModel> {
  return createImageModel(config, {
    store: backends.store,
    galleryBucket: backends.names.galleryBucket,
    runtime: faceRuntimeOf(config),
    // e.g. the gallery was re-enrolled with another model: the one loaded before stays in use meanwhile
    onGalleryError: (error) => log.warn({ code: error.code, err: error }, 'gallery refresh failed'),
    // Several times slower than onnx: say so loudly, once, with the reason and the way to make it an error.
    onRuntimeFallback: (reason) => log.warn({ reason }, 'onnxruntime could not load: the face nets run on wasm, several times slower (SCALEFACE_RUNTIME=onnx makes this an error)'),
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
    onError: (error) => log.warn({ err: error }, 'heartbeat write failed'),
    onShutdown: (outcome) => log.warn({ outcome }, 'no work and no autoscaler for too long: gave this machine up'),
  });
  let orphaned = false;
  void reporter.ownerGone.then(() => (orphaned = true));
  await ensureBuckets(backends);
  const model = await loadModel(config, backends, log);
  if (orphaned) {
    // The pool that started this worker died (or nobody drove it for too long) while the model loaded: take no work at all.
    log.warn('the owner of this worker is gone; exiting before taking work');
    await reporter.close();
    await model.close();
    await backends.queues.close();
    return;
  }
  await consumeUntilStopped(config, { backends, model, reporter, log, workerName });
}

/** What the `worker ready` line says: the queue, the model as it describes itself, and its gallery's model if it has one. */
export function readyLogFields(queueName: string, info: ModelInfo): Record<string, unknown> {
  const model = { name: info.name, kind: info.kind, version: info.version, labels: info.labels.length };
  return { queue: queueName, runtime: info.runtime, model, galleryModel: info.gallery?.loadedModel };
}

interface RunningWorker {
  readonly backends: Backends;
  readonly model: ImageModel;
  readonly reporter: WorkerReporter;
  readonly log: Logger;
  readonly workerName: string;
}

/**
 * Consumes the request queue until SIGTERM, SIGINT (src/system/lifecycle.ts: exits once stopped, at once on a second
 * signal) or the owner's end; resolves once everything is closed.
 */
async function consumeUntilStopped(config: Config, worker: RunningWorker): Promise<void> {
  const { backends, model, reporter, log, workerName } = worker;
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
      model,
      workerName,
      maxReceiveCount: config.queue.maxReceiveCount,
      retryBackoff: { baseMs: config.worker.retryBaseMs, maxMs: config.worker.retryMaxMs },
      faultHoldMs: config.worker.faultHoldMs,
      log,
    }),
    onBusyChange: (count) => reporter.busy(count),
    onError: (error, context) => log.warn({ err: error, context }, 'consumer error'),
  });
  consumer.start();
  const info = model.describe();
  // What /v1/status shows beside the instance: the face model's runtime as before; other models say their name.
  reporter.ready(info.runtime);
  log.info(readyLogFields(queue.name, info), 'worker ready');

  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log.info({ why, busy: consumer.busy }, 'worker stopping');
      await consumer.stop();
      await reporter.close();
      await model.close();
      await backends.queues.close();
      log.info('worker stopped');
    })());
  const removeSignalHandlers = stopOnSignals((signal) => stop(signal), { log });
  // Local: the parent process died; EC2: no work and no autoscaler for unattendedShutdownMs.
  await reporter.ownerGone.then(() => stop('owner gone'));
  removeSignalHandlers();
}
