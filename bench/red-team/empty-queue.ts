/**
 * The lost-queue attack: `scaleface up` on the embedded backends with `jobs` async jobs queued (no workers, so
 * they stay queued), stopped, its queue database emptied (`truncate -s 0 queue.db`) or removed, and started
 * again. Reports what the second `up` printed, how it exited (or that it served), and what its queue held.
 *
 *   node dist/bench/red-team/empty-queue.js [--jobs 300] [--how truncate|remove] [--extra-args "--accept-empty-queue"]
 */
import { spawn } from 'node:child_process';
import { rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchEnvironment, CLI_ENTRY, servingUrl, startSystemProcess } from '../system-process.js';
import { backlogOf, blankJpeg, createDeployment, pooled, post, type Deployment } from './support.js';

export interface EmptyQueueOptions {
  readonly jobs: number;
  readonly how: 'truncate' | 'remove';
  /** Extra arguments of the second `up` (e.g. `--accept-empty-queue`). */
  readonly extraArgs?: readonly string[];
}

export interface EmptyQueueResult {
  /** The second `up`'s exit code, or `serving` when it started. */
  readonly outcome: number | 'serving';
  /** What it wrote to stderr (its messages for people). */
  readonly stderr: string;
  /** The backlog it reported when it served. */
  readonly backlog?: number;
}

/** Starts `up` and resolves with its exit code, or `serving` (then stops it) once it prints its URL. */
export async function startAndObserve(deployment: Deployment, extraArgs: readonly string[], timeoutMs = 90_000): Promise<EmptyQueueResult> {
  const { dataDir } = deployment;
  const child = spawn(process.execPath, [CLI_ENTRY, 'up', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: dataDir,
    env: benchEnvironment(deployment.env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const outcome = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.stderr.on('data', () => servingUrl(stderr) !== undefined && resolve(servingUrl(stderr)!));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal === null ? -1 : 128));
    });
  });
  if (typeof outcome === 'number') return { outcome, stderr };
  const backlog = outcome === 'timeout' ? undefined : await backlogOf(outcome);
  child.kill('SIGTERM');
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  return { outcome: 'serving', stderr, ...(backlog === undefined ? {} : { backlog }) };
}

/** A deployment with `jobs` jobs queued and no workers, stopped; then its queue database emptied or removed. */
export async function queueWorkThenLoseTheQueue(deployment: Deployment, jobs: number, how: EmptyQueueOptions['how']): Promise<void> {
  await deployment.configure({ autoscaler: { enabled: false } });
  const first = await startSystemProcess(deployment.dataDir, deployment.env);
  const blank = await blankJpeg();
  await pooled(jobs, 20, (i) => post(first.url, '/v1/jobs', `queued_${i}.jpg`, blank));
  await first.stop();
  const queueDb = join(deployment.dataDir, 'queue.db');
  if (how === 'truncate') await truncate(queueDb, 0);
  else for (const file of [queueDb, `${queueDb}-wal`, `${queueDb}-shm`]) await rm(file, { force: true });
}

export async function runEmptyQueue(options: EmptyQueueOptions): Promise<EmptyQueueResult> {
  const deployment = await createDeployment('embedded', 'empty-queue');
  try {
    await queueWorkThenLoseTheQueue(deployment, options.jobs, options.how);
    return await startAndObserve(deployment, options.extraArgs ?? []);
  } finally {
    await deployment.dispose();
  }
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const extra = argument('--extra-args');
  const result = await runEmptyQueue({
    jobs: Number(argument('--jobs') ?? 300),
    how: (argument('--how') ?? 'truncate') as EmptyQueueOptions['how'],
    ...(extra === undefined ? {} : { extraArgs: extra.split(' ').filter(Boolean) }),
  });
  console.log(JSON.stringify(result, null, 2));
}
