/**
 * The policy's settings and how they follow from one knob, the latency target (p95 seconds from upload to
 * answer), plus what the backend is: how long an instance takes to boot, how it is billed. Pure; shared by the
 * configuration (src/config/schema.ts) and the simulator (src/simulation), so both run the same numbers.
 */
import { InvalidInputError } from '../domain/errors.js';

export interface PolicySettings {
  readonly minInstances: number;
  readonly maxInstances: number;
  /** The operator's knob: 95 % of requests answered within this many ms of their upload. */
  readonly latencyTargetMs: number;
  /** One image on one instance (a worker): the configured start (SERVICE_TIME_MS); observations may carry a measured one. */
  readonly serviceTimeMs: number;
  /** Launch → ready on this backend (a high percentile, not the median: sizing must survive a slow boot). */
  readonly bootTimeMs: number;
  /** Nothing queued or in flight this long → scale to min (0). */
  readonly idleWindowMs: number;
  /** Scale-in goes to the largest count wanted over this window (the HPA's stabilization), never further. */
  readonly scaleInWindowMs: number;
  /** Time constant of the arrival-rate estimate. */
  readonly rateWindowMs: number;
  /** Each launch is billed at least this long (EC2 Linux: 60 s); an idle instance inside it is kept, it is paid. */
  readonly billingMinimumMs: number;
  /** Keep the current count while |desired / current - 1| <= tolerance (the HPA's 0.1). */
  readonly tolerance: number;
}

export const DEFAULT_TOLERANCE = 0.1;

/**
 * The starting service time, until the workers' answers have measured the model that runs (see service-time.ts):
 * per image per worker, end to end, 2 workers answered the course workload with the face model at 87.8 img/s on
 * this project's 2-vCPU machine (bench/results/2026-11-29-issue12-pair1-after.json: 2 / 87.8 s = 22.8 ms).
 */
export const SERVICE_TIME_MS = 23;

/** What the backend costs in time and money, per the backend the settings are derived for. */
export interface BackendTimings {
  /** Launch → ready, a high percentile. */
  readonly bootTimeMs: number;
  readonly billingMinimumMs: number;
}

/**
 * Local processes: spawn → ready is about 0.55 s (bench cold start → first answer 0.568 s, one recognition
 * included); 1 s covers a slow one. Nothing is billed. EC2: 20 s to start a stopped instance, about 3 min for a
 * fresh boot (the figures, not measured here), per-second billing with a 60 s minimum (EC2 Linux).
 */
export const BACKEND_TIMINGS = {
  process: { bootTimeMs: 1000, billingMinimumMs: 0 },
  'ec2-stopped-fleet': { bootTimeMs: 25_000, billingMinimumMs: 60_000 },
  'ec2-fresh-boot': { bootTimeMs: 200_000, billingMinimumMs: 60_000 },
} as const satisfies Record<string, BackendTimings>;

/** The latency target when none is set: the course grader's 2 s on processes, 2 × the boot time on EC2. */
export function defaultLatencyTargetMs(timings: BackendTimings): number {
  return timings.billingMinimumMs === 0 ? 2000 : Math.max(60_000, 2 * timings.bootTimeMs);
}

export interface DeriveInput {
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly timings: BackendTimings;
  readonly latencyTargetMs?: number;
  readonly serviceTimeMs?: number;
  readonly idleWindowMs?: number;
  readonly scaleInWindowMs?: number;
}

/**
 * Everything but the knob, derived. Idle window and scale-in window: on processes 1 s (the grader wants 0
 * within 2 s of the last answer); when launches are billed, a quarter of the latency budget left after a
 * boot, at most 30 s: long enough to ride out a gap between arrivals, short against the 60 s a relaunch costs.
 */
export function derivePolicySettings(input: DeriveInput): PolicySettings {
  const { timings } = input;
  const latencyTargetMs = input.latencyTargetMs ?? defaultLatencyTargetMs(timings);
  const billed = timings.billingMinimumMs > 0;
  const window = billed ? Math.min(30_000, Math.max(5000, (latencyTargetMs - timings.bootTimeMs) / 4)) : 1000;
  return {
    minInstances: input.minInstances,
    maxInstances: input.maxInstances,
    latencyTargetMs,
    serviceTimeMs: input.serviceTimeMs ?? SERVICE_TIME_MS,
    bootTimeMs: timings.bootTimeMs,
    idleWindowMs: input.idleWindowMs ?? window,
    scaleInWindowMs: input.scaleInWindowMs ?? window,
    rateWindowMs: billed ? 10_000 : 1000,
    billingMinimumMs: timings.billingMinimumMs,
    tolerance: DEFAULT_TOLERANCE,
  };
}

/** Throws InvalidInputError unless 0 <= min <= max, every duration is sensible and tolerance is in [0, 1). */
export function validatePolicySettings(settings: PolicySettings): void {
  const { minInstances: min, maxInstances: max } = settings;
  const problems: string[] = [];
  if (!Number.isInteger(min) || min < 0) problems.push(`minInstances ${min} is not a whole number >= 0`);
  if (!Number.isInteger(max) || max < min) problems.push(`maxInstances ${max} is not a whole number >= minInstances`);
  if (!(settings.latencyTargetMs > 0)) problems.push(`latencyTargetMs ${settings.latencyTargetMs} is not > 0`);
  if (!(settings.serviceTimeMs > 0)) problems.push(`serviceTimeMs ${settings.serviceTimeMs} is not > 0`);
  if (!(settings.rateWindowMs > 0)) problems.push(`rateWindowMs ${settings.rateWindowMs} is not > 0`);
  for (const key of ['bootTimeMs', 'idleWindowMs', 'scaleInWindowMs', 'billingMinimumMs'] as const) {
    if (!(settings[key] >= 0)) problems.push(`${key} ${settings[key]} is not >= 0`);
  }
  if (!(settings.tolerance >= 0 && settings.tolerance < 1)) problems.push(`tolerance ${settings.tolerance} is not in [0, 1)`);
  if (problems.length > 0) throw new InvalidInputError(`invalid autoscaler settings: ${problems.join('; ')}`);
}
