/**
 * What the `bench` trace is rebuilt from: the few numbers of one bench run that describe its arrivals. The
 * default is compiled in (copied from the run named in `source`), so that a simulation reads no results file at
 * run time; `scaleface simulate --bench-result FILE` rebuilds the trace from another run's JSON instead.
 */
import { InvalidInputError } from '../domain/errors.js';

export interface BenchRecord {
  /** Where the numbers come from, named in the trace's description. */
  readonly source: string;
  /** Seconds from the start at which each phase began (`cold`, `warm`, `load`). */
  readonly phases_s: Readonly<Record<string, number>>;
  readonly warm_requests: number;
  readonly warm_p50_ms: number;
  readonly requests: number;
  readonly concurrency: number;
  readonly end_to_end_img_per_s: number;
}

/** bench/results/2026-11-29-issue12-pair1-after.json: the run docs/autoscaling.md's `bench` rows were made from. */
export const RECORDED_BENCH: BenchRecord = {
  source: 'bench/results/2026-11-29-issue12-pair1-after.json',
  phases_s: { cold: 0.302, warm: 0.871, load: 2.883 },
  warm_requests: 30,
  warm_p50_ms: 18.9,
  requests: 1000,
  concurrency: 100,
  end_to_end_img_per_s: 87.8,
};

const NUMBERS = ['warm_requests', 'warm_p50_ms', 'requests', 'concurrency', 'end_to_end_img_per_s'] as const;

/** A bench result file's JSON as a BenchRecord; InvalidInputError naming the first field that is missing or wrong. */
export function benchRecordOf(json: unknown, source: string): BenchRecord {
  const value = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  for (const field of NUMBERS) {
    const n = value[field];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new InvalidInputError(`${source}: ${field} is not a number >= 0`);
  }
  const phases = value.phases_s;
  if (typeof phases !== 'object' || phases === null) throw new InvalidInputError(`${source}: phases_s is missing`);
  if (!((value.end_to_end_img_per_s as number) > 0)) throw new InvalidInputError(`${source}: end_to_end_img_per_s is not > 0`);
  return { source, phases_s: phases as Record<string, number>, ...(Object.fromEntries(NUMBERS.map((f) => [f, value[f]])) as Pick<BenchRecord, (typeof NUMBERS)[number]>) };
}
