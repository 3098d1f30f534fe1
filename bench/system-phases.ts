/**
 * The phases that go through the running system, in order, while the sampler watches:
 *   cold       one request at 0 instances → cold start to first answer;
 *   warm       requests one at a time, back to back (the worker never idles long enough to be stopped),
 *              → end-to-end p50 at concurrency 1;
 *   load       (b) the workload at full concurrency, from 0 instances;
 *   last answer → back at 0: the scale-in time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from '../src/load/runner.js';
import { computeLoadStatistics, summarizeLatencies, type RequestOutcome } from '../src/load/stats.js';
import { cpuWindow, ownCpuMs, readTreeCpu, type CpuReading, type CpuWindow } from './process-cpu.js';
import type { EndToEndMeasurement } from './result.js';
import { fetchStatus, type SystemSampler } from './sampler.js';
import type { Workload } from './workload.js';

export interface SystemPhaseOptions {
  readonly url: string;
  readonly workload: Workload;
  readonly requests: number;
  readonly concurrency: number;
  readonly warmFiles: readonly string[];
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** `scaleface up`'s pid: the root of the process tree whose CPU the load phase reads. */
  readonly rootPid: number;
}

export interface SystemPhaseResults {
  readonly coldFirstAnswerS: number | null;
  readonly coldLabelCorrect: boolean;
  readonly warm: { requests: number; p50Ms: number | null };
  readonly load: EndToEndMeasurement;
  /** CPU per request in the load phase's steady part (from CPU_WINDOW's first to its last answer); null off Linux. */
  readonly loadCpu: CpuWindow | null;
  readonly lastAnswerS: number;
}

/**
 * The share of answers between which the load phase's CPU is read: past the workers' start (their imports and
 * model loading are the cold start's, measured apart) and before the tail, where fewer requests are in flight.
 */
const CPU_WINDOW = { from: 0.2, to: 0.9 } as const;

const BACK_TO_ZERO_TIMEOUT_MS = 180_000;

/** Polls GET /v1/status until no instance is listed and nothing is queued (before the sampler runs). */
export async function waitUntilIdle(url: string, timeoutMs = BACK_TO_ZERO_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetchStatus(url);
    if (status.instancesTotal === 0 && status.backlog === 0) return;
    if (Date.now() > deadline) throw new Error(`the system did not go idle within ${timeoutMs} ms`);
    await sleep(200);
  }
}

function okLatencies(outcomes: readonly RequestOutcome[]): number[] {
  return outcomes.filter((o) => o.status === 'ok').map((o) => o.latencyMs);
}

async function coldPhase(o: SystemPhaseOptions): Promise<{ seconds: number | null; correct: boolean }> {
  const file = o.workload.files[0] as string;
  const run = await runLoad({ url: o.url, files: [file], requests: 1, concurrency: 1, timeoutMs: o.timeoutMs });
  const outcome = run.outcomes[0] as RequestOutcome;
  o.log(`cold request: ${outcome.status === 'ok' ? `${outcome.label} after ${(outcome.latencyMs / 1000).toFixed(2)} s` : outcome.error}`);
  const correct = outcome.status === 'ok' && outcome.label === o.workload.expected.get(outcome.stem);
  return { seconds: outcome.status === 'ok' ? outcome.latencyMs / 1000 : null, correct };
}

async function warmPhase(o: SystemPhaseOptions): Promise<{ requests: number; p50Ms: number | null }> {
  const run = await runLoad({ url: o.url, files: o.warmFiles, requests: o.warmFiles.length, concurrency: 1, timeoutMs: o.timeoutMs });
  const summary = summarizeLatencies(okLatencies(run.outcomes));
  o.log(`warm requests: ${run.outcomes.length}, p50 ${summary ? summary.p50.toFixed(1) : 'n/a'} ms`);
  return { requests: run.outcomes.length, p50Ms: summary?.p50 ?? null };
}

async function cpuReading(rootPid: number, answers: number): Promise<CpuReading | null> {
  const clientMs = ownCpuMs();
  const tree = await readTreeCpu(rootPid);
  return tree === null ? null : { tree, clientMs, answers };
}

async function loadPhase(o: SystemPhaseOptions): Promise<{ load: EndToEndMeasurement; cpu: CpuWindow | null }> {
  let reported = 0;
  const readings: Promise<CpuReading | null>[] = [];
  const run = await runLoad({
    url: o.url,
    files: o.workload.files,
    requests: o.requests,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    onProgress: (done, total) => {
      if (done * 10 >= (reported + 1) * total) o.log(`  ${done}/${total} answered`);
      reported = Math.floor((done * 10) / total);
      if (done === Math.ceil(total * CPU_WINDOW.from) || done === Math.floor(total * CPU_WINDOW.to)) readings.push(cpuReading(o.rootPid, done));
    },
  });
  const [from, to] = await Promise.all(readings);
  const cpu = from && to ? cpuWindow(from, to) : null;
  // Models other than the face model have no expected labels for the workload's images: throughput only.
  const expectedLabels = o.workload.expected.size > 0 ? o.workload.expected : undefined;
  const stats = computeLoadStatistics(run.outcomes, { durationMs: run.durationMs, expectedLabels });
  const load = {
    requests: stats.total,
    concurrency: o.concurrency,
    completed: stats.completed,
    failed: stats.failed,
    correct: stats.correct,
    durationS: stats.durationSeconds,
    latencyMs: stats.latencyMs,
    failuresByReason: stats.failuresByReason,
  };
  return { load, cpu };
}

/** Runs cold, warm and load with `sampler` already sampling; marks each phase on its clock. */
export async function runSystemPhases(sampler: SystemSampler, o: SystemPhaseOptions): Promise<SystemPhaseResults> {
  await sampler.waitForZeroInstances(BACK_TO_ZERO_TIMEOUT_MS);
  sampler.mark('cold');
  const cold = await coldPhase(o);
  sampler.mark('warm');
  const warm = await warmPhase(o);
  o.log('waiting for 0 instances before the workload');
  await sampler.waitForZeroInstances(BACK_TO_ZERO_TIMEOUT_MS);
  sampler.mark('load');
  o.log(`workload: ${o.requests} requests at concurrency ${o.concurrency}`);
  const { load, cpu } = await loadPhase(o);
  const lastAnswerS = sampler.mark('last answer');
  await sampler.waitForZeroInstances(BACK_TO_ZERO_TIMEOUT_MS);
  sampler.mark('0 again');
  return { coldFirstAnswerS: cold.seconds, coldLabelCorrect: cold.correct, warm, load, loadCpu: cpu, lastAnswerS };
}
