import { onParentDisconnect, reportToParent } from '../adapters/compute/local-process-pool.js';
import type { Config } from '../config/index.js';
import { createFaceRecognizer } from '../recognition/index.js';
import { currentModelIdentity } from '../recognition/model-identity.js';
import { createBackends, ensureBuckets, faceRuntimeOf, openRequestQueue } from '../system/backends.js';
import { createLogger } from '../system/logger.js';
import { QueueConsumer } from '../messaging/queue-consumer.js';
import { startHeartbeat } from './heartbeat-store.js';
import { createRecognitionHandler } from './recognition-handler.js';

/**
 * One app-tier instance: loads the model, consumes the request queue until SIGTERM, then finishes
 * the messages it holds and exits. Reports `ready` and its busy count to the process pool that started it.
 */
export async function runWorker(config: Config, workerName: string): Promise<void> {
  // Listened for first: a parent that dies while the model loads must still end this worker (it would
  // otherwise consume the queue as an orphan nobody counts or stops).
  let orphaned = false;
  const parentGone = new Promise<void>((resolve) =>
    onParentDisconnect(() => {
      orphaned = true;
      resolve();
    }),
  );
  const log = createLogger(config, workerName);
  const backends = await createBackends(config);
  await ensureBuckets(backends);
  const recognizer = await createFaceRecognizer({
    store: backends.store,
    galleryBucket: backends.names.galleryBucket,
    distanceThreshold: config.recognition.distanceThreshold,
    margin: config.recognition.margin,
    galleryRefreshMs: config.recognition.galleryRefreshMs,
    runtime: faceRuntimeOf(config),
    // e.g. the gallery was re-enrolled with another model: the one loaded before stays in use meanwhile
    onGalleryError: (error) => log.warn({ code: error.code, err: error.message }, 'gallery refresh failed'),
  });
  const { runtime, engine, fallbackReason } = recognizer.runtime;
  const runtimeLabel = `${runtime}: ${engine}${fallbackReason === undefined ? '' : ' (fallback)'}`;
  if (fallbackReason !== undefined) {
    // Several times slower than onnx: say so loudly, once, with the reason and the way to make it an error.
    log.warn({ runtime, engine, reason: fallbackReason }, 'onnxruntime could not load: the face nets run on wasm, several times slower (SCALEFACE_RUNTIME=onnx makes this an error)');
  }
  if (orphaned) {
    // The pool that started this worker died while the model loaded: take no work at all.
    log.warn('the parent process is gone; exiting before taking work');
    await recognizer.close();
    await backends.queues.close();
    return;
  }
  const queue = await openRequestQueue(backends);
  const consumer = new QueueConsumer({
    queue,
    concurrency: config.worker.concurrency,
    waitTimeSeconds: config.worker.waitTimeSeconds,
    visibilityTimeoutSeconds: config.queue.visibilityTimeoutSeconds,
    handler: createRecognitionHandler({
      ...backends,
      recognizer,
      workerName,
      maxReceiveCount: config.queue.maxReceiveCount,
      log: (level, fields, msg) => log[level](fields, msg),
    }),
    onBusyChange: (count) => reportToParent({ type: 'busy', count }),
    onError: (error, context) => log.warn({ err: error.message, context }, 'consumer error'),
  });
  consumer.start();
  // EC2 instances prove readiness by heartbeat (local processes report over IPC).
  const heartbeat =
    config.compute.backend === 'ec2'
      ? startHeartbeat({
          store: backends.store,
          controlBucket: backends.names.controlBucket,
          name: workerName,
          busy: () => consumer.busy,
          runtime: runtimeLabel,
          onError: (error) => log.warn({ err: String(error) }, 'heartbeat write failed'),
        })
      : undefined;
  reportToParent({ type: 'ready', runtime: runtimeLabel });
  log.info({ queue: queue.name, runtime, engine, model: currentModelIdentity(), galleryModel: recognizer.gallery.loadedModel }, 'worker ready');

  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log.info({ why, busy: consumer.busy }, 'worker stopping');
      await consumer.stop();
      await heartbeat?.stop();
      await recognizer.close();
      await backends.queues.close();
      log.info('worker stopped');
    })());
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
    process.once('SIGINT', () => void stop('SIGINT').then(resolve));
    void parentGone.then(() => stop('parent gone').then(resolve));
  });
}
