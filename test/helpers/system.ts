import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { createBackends, ensureBuckets, createRequestQueues, type Backends } from '../../src/system/backends.js';
import type { Queue } from '../../src/ports/queue.js';

export interface TempBackends extends Backends {
  readonly requestQueue: Queue;
  readonly dataDir: string;
  dispose(): Promise<void>;
}

/** Real embedded backends (SQLite queue, folder buckets) in a fresh temporary folder. */
export async function tempBackends(overrides: ConfigInput = {}): Promise<TempBackends> {
  const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-test-'));
  const config = loadConfig({ ...overrides, dataDir, logLevel: 'silent' }, {});
  const backends = await createBackends(config);
  await ensureBuckets(backends);
  const { requestQueue } = await createRequestQueues(backends);
  return {
    ...backends,
    requestQueue,
    dataDir,
    dispose: async () => {
      await backends.queues.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
