/**
 * Watches the running system every ~200 ms: GET /v1/status (instances, backlog) and the resident memory of
 * the `scaleface up` process tree. Keeps every sample, and named phase marks, on one clock.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { readTreeRss } from './process-tree.js';
import { lastSample, type PhaseMark, type TimelineSample } from './timeline.js';

export interface StatusNumbers {
  /** pending + running. */
  readonly instances: number;
  /** Every instance listed, stopping ones included. */
  readonly instancesTotal: number;
  readonly backlog: number;
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/**
 * Instance counts and backlog from a GET /v1/status body. The body comes over HTTP from whichever build is
 * running, so it is read defensively here (the service itself hands a typed StatusSnapshot around).
 */
export function statusNumbers(body: Record<string, unknown>): StatusNumbers {
  const queue = (typeof body.queue === 'object' && body.queue !== null ? body.queue : {}) as Record<string, unknown>;
  const listed = (Array.isArray(body.instances) ? body.instances : []) as { state?: unknown }[];
  const states = listed.map((instance) => (typeof instance?.state === 'string' ? instance.state : 'unknown'));
  const count = (state: string) => states.filter((s) => s === state).length;
  return { instances: count('pending') + count('running'), instancesTotal: states.length, backlog: numberOr0(queue.visible) + numberOr0(queue.inFlight) };
}

export async function fetchStatus(url: string): Promise<StatusNumbers> {
  const response = await fetch(new URL('/v1/status', url), { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET /v1/status answered ${response.status}`);
  return statusNumbers((await response.json()) as Record<string, unknown>);
}

export class SystemSampler {
  readonly samples: TimelineSample[] = [];
  readonly phases: PhaseMark[] = [];
  private readonly origin = performance.now();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly rootPid: number,
    private readonly intervalMs = 200,
  ) {}

  /** Seconds since the sampler was created. */
  elapsedS(): number {
    return (performance.now() - this.origin) / 1000;
  }

  mark(name: string): number {
    const tS = this.elapsedS();
    this.phases.push({ name, tS });
    return tS;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Resolves once a sample taken after this call shows no instance at all; rejects after `timeoutMs`. */
  async waitForZeroInstances(timeoutMs: number): Promise<number> {
    const since = this.elapsedS();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const latest = lastSample(this.samples);
      if (latest !== undefined && latest.tS >= since && latest.instancesTotal === 0) return latest.tS;
      if (performance.now() > deadline) throw new Error(`instances did not go back to 0 within ${timeoutMs} ms`);
      await sleep(this.intervalMs / 2);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = performance.now();
      const tS = this.elapsedS();
      const [status, memory] = await Promise.all([fetchStatus(this.url).catch(() => null), readTreeRss(this.rootPid)]);
      this.samples.push({
        tS,
        instances: status?.instances ?? null,
        instancesTotal: status?.instancesTotal ?? null,
        backlog: status?.backlog ?? null,
        rssMb: memory?.rssMb ?? null,
        workerRssMb: memory?.largestChildMb ?? null,
      });
      await sleep(Math.max(0, this.intervalMs - (performance.now() - started)));
    }
  }
}
