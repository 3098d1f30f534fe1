import { createObjectStore } from '../adapters/storage/index.js';
import { createQueueSystem } from '../adapters/queue/index.js';
import { resourceNames, type Config, type ResourceNames } from '../config/index.js';
import { join } from 'node:path';
import type { ObjectStore } from '../ports/object-store.js';
import type { Queue, QueueSystem } from '../ports/queue.js';
import type { RuntimeChoice } from '../recognition/face-runtime.js';

/** The queue system, object store and resource names that every tier of one deployment shares. */
export interface Backends {
  readonly config: Config;
  readonly queues: QueueSystem;
  readonly store: ObjectStore;
  readonly names: ResourceNames;
}

/** The face-net runtime the configuration asks for, with its graph cache under the data folder by default. */
export function faceRuntimeOf(config: Config): RuntimeChoice {
  const { runtime, threads, modelCacheDir } = config.recognition;
  return { runtime, threads, cacheDir: modelCacheDir ?? join(config.dataDir, 'model-cache') };
}

export async function createBackends(config: Config): Promise<Backends> {
  const [queues, store] = await Promise.all([createQueueSystem(config), createObjectStore(config)]);
  return { config, queues, store, names: resourceNames(config) };
}

/**
 * Creates the request queue with its dead-letter policy, and the dead-letter queue (what `up` owns; on AWS the
 * deploy creates them and this brings their settings in line). Returns both.
 */
export async function createRequestQueues(backends: Backends): Promise<{ requestQueue: Queue; deadLetterQueue: Queue }> {
  const { queues, names, config } = backends;
  const deadLetterQueue = await queues.create(names.deadLetterQueue, { visibilityTimeoutSeconds: config.queue.visibilityTimeoutSeconds });
  const requestQueue = await queues.create(names.requestQueue, {
    visibilityTimeoutSeconds: config.queue.visibilityTimeoutSeconds,
    deadLetter: { queueName: names.deadLetterQueue, maxReceiveCount: config.queue.maxReceiveCount },
  });
  return { requestQueue, deadLetterQueue };
}

/** Opens the request queue, which `up` or the deploy created (NotFoundError when neither did). */
export function openRequestQueue(backends: Backends): Promise<Queue> {
  return backends.queues.open(backends.names.requestQueue);
}

/** Creates the input, output, gallery and control buckets when missing. */
export async function ensureBuckets(backends: Backends): Promise<void> {
  const { store, names } = backends;
  for (const bucket of [names.inputBucket, names.outputBucket, names.galleryBucket, names.controlBucket]) {
    await store.ensureBucket(bucket);
  }
}
