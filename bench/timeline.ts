/**
 * What the benchmark samples while the system runs, and the numbers derived from it (pure: no I/O, no clock).
 * One sample every ~200 ms: the instance count and backlog from GET /v1/status, and the resident memory of
 * the whole process tree (`scaleface up` and every worker it started).
 */

export interface TimelineSample {
  /** Seconds since the sampler started. */
  readonly tS: number;
  /** Instances pending or running (what the autoscaler counts); null when the status could not be read. */
  readonly instances: number | null;
  /** Every instance listed, stopping ones included (processes that still exist). */
  readonly instancesTotal: number | null;
  /** Request-queue backlog: visible + in flight. */
  readonly backlog: number | null;
  /** Sum of VmRSS over the process tree, in MB; null when it could not be read. */
  readonly rssMb: number | null;
  /** VmRSS of the largest process under `up` (a worker once one runs), in MB; absent in older results. */
  readonly workerRssMb?: number | null;
}

/** A named moment of the run, in seconds on the timeline's clock. */
export interface PhaseMark {
  readonly name: string;
  readonly tS: number;
}

/** The timeline as it is written to JSON: one array per quantity, all the same length. */
export interface TimelineColumns {
  readonly t_s: number[];
  readonly instances: (number | null)[];
  readonly instances_total: (number | null)[];
  readonly backlog: (number | null)[];
  readonly rss_mb: (number | null)[];
  readonly worker_rss_mb?: (number | null)[];
}

type NumericKey = 'instances' | 'instancesTotal' | 'backlog' | 'rssMb' | 'workerRssMb';

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function toColumns(samples: readonly TimelineSample[]): TimelineColumns {
  const rounded = (v: number | null) => (v === null ? null : round(v, 1));
  return {
    t_s: samples.map((s) => round(s.tS, 3)),
    instances: samples.map((s) => s.instances),
    instances_total: samples.map((s) => s.instancesTotal),
    backlog: samples.map((s) => s.backlog),
    rss_mb: samples.map((s) => rounded(s.rssMb)),
    worker_rss_mb: samples.map((s) => rounded(s.workerRssMb ?? null)),
  };
}

/** The inverse of toColumns (what the report reads back from a result file). */
export function fromColumns(columns: TimelineColumns): TimelineSample[] {
  return columns.t_s.map((tS, i) => ({
    tS,
    instances: columns.instances[i] ?? null,
    instancesTotal: columns.instances_total[i] ?? null,
    backlog: columns.backlog[i] ?? null,
    rssMb: columns.rss_mb[i] ?? null,
    workerRssMb: columns.worker_rss_mb?.[i] ?? null,
  }));
}

/**
 * Seconds from `fromS` to the first sample at or after it whose `key` is 0: how long the fleet took to
 * go back to zero after the last answer. null when no such sample exists (it never got there).
 */
export function secondsUntilZero(samples: readonly TimelineSample[], fromS: number, key: NumericKey = 'instancesTotal'): number | null {
  const first = samples.find((s) => s.tS >= fromS && s[key] === 0);
  return first === undefined ? null : first.tS - fromS;
}

/** Largest known value of `key` among samples in [fromS, toS]; null when none is known. */
export function peakOf(
  samples: readonly TimelineSample[],
  key: NumericKey,
  fromS = -Infinity,
  toS = Infinity,
): number | null {
  let peak: number | null = null;
  for (const sample of samples) {
    const value = sample[key] ?? null;
    if (sample.tS < fromS || sample.tS > toS || value === null) continue;
    if (peak === null || value > peak) peak = value;
  }
  return peak;
}

/** The latest sample, if any (what "are we back at 0 yet?" looks at). */
export function lastSample(samples: readonly TimelineSample[]): TimelineSample | undefined {
  return samples[samples.length - 1];
}
