import { FaceImageModel } from '../../src/models/index.js';
import { createFaceRecognizer } from '../../src/recognition/index.js';
import type { Backends } from '../../src/system/backends.js';
import type { Queue } from '../../src/ports/queue.js';
import { QueueConsumer } from '../../src/messaging/queue-consumer.js';
import { createRecognitionHandler, type RecognitionHandlerDeps } from '../../src/worker/recognition-handler.js';

export interface InProcessWorker {
  readonly consumer: QueueConsumer;
  stop(): Promise<void>;
}

/** A real app-tier worker (real model, real handler, real consumer loop) inside the test process. */
export async function startInProcessWorker(
  backends: Backends,
  requestQueue: Queue,
  name = 'test-worker',
  log?: RecognitionHandlerDeps['log'],
): Promise<InProcessWorker> {
  const { config } = backends;
  const recognizer = await createFaceRecognizer({
    store: backends.store,
    galleryBucket: backends.names.galleryBucket,
    distanceThreshold: config.recognition.distanceThreshold,
    margin: config.recognition.margin,
    galleryRefreshMs: 200,
  });
  const consumer = new QueueConsumer({
    queue: requestQueue,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: config.queue.visibilityTimeoutSeconds,
    handler: createRecognitionHandler({ ...backends, model: new FaceImageModel(recognizer), workerName: name, maxReceiveCount: config.queue.maxReceiveCount, log }),
  });
  consumer.start();
  return {
    consumer,
    stop: async () => {
      await consumer.stop();
      await recognizer.close();
    },
  };
}
