import type { FastifyInstance } from 'fastify';
import type { ConfigInput } from '../../src/config/index.js';
import { createFaceRecognizer } from '../../src/recognition/index.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { QueueConsumer } from '../../src/worker/consumer.js';
import { createRecognitionHandler } from '../../src/worker/recognition-handler.js';
import { multipartBody, type Part } from '../helpers/multipart.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

export interface WorkerLogLine {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

/** A web tier on real embedded backends, with a real app-tier worker (real model) in this process. */
export interface WebWithWorker {
  readonly backends: TempBackends;
  readonly web: WebTier;
  readonly app: FastifyInstance;
  /** What the worker logged, in order. */
  readonly workerLogs: WorkerLogLine[];
  stop(): Promise<void>;
}

export const TEST_STATUS = () => async () => ({ queue: { visible: 0, inFlight: 0, delayed: 0 }, instances: [], desired: 0 });

export async function startWebWithWorker(overrides: ConfigInput = {}): Promise<WebWithWorker> {
  const backends = await tempBackends(overrides);
  const web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: TEST_STATUS });
  const { config } = backends;
  const recognizer = await createFaceRecognizer({
    store: backends.store,
    galleryBucket: backends.names.galleryBucket,
    distanceThreshold: config.recognition.distanceThreshold,
    margin: config.recognition.margin,
    galleryRefreshMs: 200,
  });
  const workerLogs: WorkerLogLine[] = [];
  const consumer = new QueueConsumer({
    queue: backends.requestQueue,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: config.queue.visibilityTimeoutSeconds,
    handler: createRecognitionHandler({
      ...backends,
      recognizer,
      workerName: 'web-test-worker',
      maxReceiveCount: config.queue.maxReceiveCount,
      log: (level, fields, msg) => workerLogs.push({ level, fields, msg }),
    }),
  });
  consumer.start();
  return {
    backends,
    web,
    app: web.app,
    workerLogs,
    stop: async () => {
      await consumer.stop();
      await recognizer.close();
      await web.close();
      await backends.dispose();
    },
  };
}

/** A multipart POST through `inject`. */
export function postParts(app: FastifyInstance, url: string, parts: Part[], headers: Record<string, string> = {}) {
  const body = multipartBody(parts);
  return app.inject({ method: 'POST', url, payload: body.payload, headers: { ...body.headers, ...headers } });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
