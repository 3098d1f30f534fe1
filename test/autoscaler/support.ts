/** Helpers shared by the autoscaler tests: temp folders, the real worker fixture, waiting for conditions. */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalProcessPool, type InstanceExit } from '../../src/adapters/compute/local-process-pool.js';
import type { PolicySettings } from '../../src/autoscaler/policy.js';

export const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/queue-worker-child.js', import.meta.url));

export interface WorkerRecord {
  readonly event: 'ready' | 'sigterm' | 'parent-gone' | 'exit' | 'deleted';
  readonly worker: string;
  readonly pid: number;
  readonly body?: string;
  readonly receiveCount?: number;
  readonly stopRequestedBeforeDelete?: boolean;
  readonly held?: number;
}

export interface Sandbox {
  readonly dir: string;
  readonly dbPath: string;
  readonly resultsDir: string;
  readonly logDir: string;
  readonly exits: InstanceExit[];
  pool(options?: { holdMs?: number; concurrency?: number; stopTimeoutMs?: number }): LocalProcessPool;
  records(): Promise<WorkerRecord[]>;
  cleanup(): Promise<void>;
}

export const QUEUE_NAME = 'autoscaler-test-req-queue';

export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'scaleface-autoscaler-'));
  const dbPath = join(dir, 'queue.db');
  const resultsDir = join(dir, 'results');
  const logDir = join(dir, 'logs');
  const exits: InstanceExit[] = [];
  const pools: LocalProcessPool[] = [];
  await mkdir(resultsDir);
  return {
    dir,
    dbPath,
    resultsDir,
    logDir,
    exits,
    pool({ holdMs = 50, concurrency = 1, stopTimeoutMs = 10_000 } = {}) {
      const pool = new LocalProcessPool({
        command: process.execPath,
        args: (name) => [WORKER_SCRIPT, '--db', dbPath, '--queue', QUEUE_NAME, '--name', name, '--results', resultsDir,
          '--hold-ms', String(holdMs), '--concurrency', String(concurrency)],
        logDir,
        stopTimeoutMs,
        onExit: (exit) => exits.push(exit),
      });
      pools.push(pool);
      return pool;
    },
    async records() {
      const files = await readdir(resultsDir);
      const texts = await Promise.all(files.map((f) => readFile(join(resultsDir, f), 'utf8')));
      return texts.flatMap((t) => t.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as WorkerRecord));
    },
    async cleanup() {
      await Promise.all(pools.map((p) => p.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Policy settings for tests on local processes: no boot time, no billing minimum, and a 100 ms image with a
 * 656 ms target, so the backlog is drained by one instance per 5 messages (0.9 × (656 − 100) ms / 100 ms).
 */
export const TEST_POLICY_SETTINGS: PolicySettings = {
  minInstances: 0,
  maxInstances: 3,
  latencyTargetMs: 656,
  serviceTimeMs: 100,
  bootTimeMs: 0,
  idleWindowMs: 300,
  scaleInWindowMs: 300,
  rateWindowMs: 1000,
  billingMinimumMs: 0,
  tolerance: 0.1,
};
