import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { ConfigInput } from '../../src/config/index.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { blankJpeg } from '../helpers/images.js';
import { multipartBody, type Part } from '../helpers/multipart.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { startInProcessWorker } from '../helpers/worker.js';
import { memoryLogger, type LogLine } from '../helpers/memory-logger.js';

export type WorkerLogLine = LogLine;

/** A web tier on real embedded backends, with a real app-tier worker (real model) in this process. */
export interface WebWithWorker {
  readonly backends: TempBackends;
  readonly web: WebTier;
  readonly app: FastifyInstance;
  /** What the worker logged, in order. */
  readonly workerLogs: WorkerLogLine[];
  stop(): Promise<void>;
}

export const TEST_STATUS = IDLE_STATUS;

export async function startWebWithWorker(overrides: ConfigInput = {}): Promise<WebWithWorker> {
  const backends = await tempBackends(overrides);
  const web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: TEST_STATUS });
  const workerLogs: WorkerLogLine[] = [];
  const worker = await startInProcessWorker(backends, backends.requestQueue, 'web-test-worker', memoryLogger(workerLogs));
  return {
    backends,
    web,
    app: web.app,
    workerLogs,
    stop: async () => {
      await worker.stop();
      await web.close();
      await backends.dispose();
    },
  };
}

/** Posts a blank photo named `fileName` to `POST /v1/jobs`, asserts the 202 and returns the job id. */
export async function submitJob(web: Pick<WebTier, 'app'>, fileName: string): Promise<string> {
  const res = await postParts(web.app, '/v1/jobs', [{ name: 'inputFile', filename: fileName, content: await blankJpeg() }]);
  assert.equal(res.statusCode, 202, res.body);
  return (res.json() as { id: string }).id;
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
