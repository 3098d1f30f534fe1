/**
 * The two estimates the policy sizes from, pure: the arrival rate (from successive observations of the queue
 * and of how many instances work) and the instance count that meets the latency target (Little's law for the
 * steady stream, plus what drains the backlog within the time a new instance leaves of the target).
 */
import type { PolicySettings } from './policy-settings.js';

/**
 * Busy fraction at which steady load is planned: the rest absorbs Poisson noise. With a budget of many service
 * times (EC2: 30 s against 23 ms) queueing costs nothing that matters and 0.97 is planned; with a tight one
 * (processes, 2 s), 0.8.
 */
export function plannedUtilization(s: PolicySettings): number {
  const ratio = s.serviceTimeMs / 1000 / drainBudgetS(s);
  return Math.min(0.97, Math.max(0.8, 1 - 10 * ratio));
}

/**
 * The fraction of an instance the backlog may stand in for: a stream that needs 2.3 instances gets 2 while
 * the backlog it leaves fits the budget, and a third when it no longer does (the drain term grows), rather
 * than 3 all the time. The latency target pays for the queue, not for an idle part of an instance. Both
 * slacks were chosen on the simulator's trace set (0.5 and 0.7 for the stream cost more on Poisson 100/s
 * and the diurnal day; 0.9 for a burst's drain missed the target on `bursts`): see docs/autoscaling.md.
 */
const ROUNDING_SLACK = 0.9;
const DRAIN_SLACK = 0.5;
/** Part of the time left after a boot in which the backlog is planned to drain (the rest is margin). */
const BUDGET_SHARE = 0.9;

export interface RateSample {
  readonly at: number;
  /** Visible + in flight. */
  readonly total: number;
  /** Backlog change per second since the sample before. */
  readonly slope: number;
}

export interface RateEstimate {
  /** Smoothed arrivals per second. */
  readonly rate: number;
  /** Growth of the backlog per second seen on two observations in a row (0 when not growing). */
  readonly growth: number;
  readonly sample: RateSample;
}

/**
 * Arrivals per second ≈ what the working instances complete (working / service time) + how fast the backlog
 * grows. A rise seen once (a burst landing at once) is backlog, not rate: only growth seen on two
 * observations in a row counts, or one burst would be sized twice, as backlog and as a stream.
 */
export function estimateRate(
  previous: { sample: RateSample; rate: number } | undefined,
  now: number,
  total: number,
  working: number,
  s: PolicySettings,
): RateEstimate {
  if (previous === undefined || now <= previous.sample.at) {
    return { rate: previous?.rate ?? 0, growth: 0, sample: { at: now, total, slope: 0 } };
  }
  const dtS = (now - previous.sample.at) / 1000;
  const slope = (total - previous.sample.total) / dtS;
  const sustained = slope > 0 ? Math.max(0, Math.min(slope, previous.sample.slope)) : slope;
  const instant = Math.max(0, sustained + working / (s.serviceTimeMs / 1000));
  const weight = 1 - Math.exp(-(now - previous.sample.at) / s.rateWindowMs);
  const rate = previous.rate + (instant - previous.rate) * weight;
  return { rate, growth: Math.max(0, sustained), sample: { at: now, total, slope } };
}

export interface Sizing {
  readonly wanted: number;
  /** Instances the arrival stream alone keeps busy. */
  readonly stream: number;
  /** e.g. "arrivals 12.0/s × 23 ms / 0.85 = 0.32 + backlog 40 × 23 ms / 31.4 s = 0.03 → 1". */
  readonly explained: string;
}

/** Seconds left to drain a backlog when it may have to wait for a new instance to boot. */
export function drainBudgetS(s: PolicySettings): number {
  const left = Math.max(0.1 * s.latencyTargetMs, s.latencyTargetMs - s.bootTimeMs - s.serviceTimeMs);
  return (BUDGET_SHARE * left) / 1000;
}

const fixed = (n: number, digits = 2): string => String(Number(n.toFixed(digits)));

/** Instances for the stream (Little's law at the planned utilization) + instances that drain the backlog in time. */
export function sizeFor(total: number, estimate: RateEstimate, s: PolicySettings): Sizing {
  const serviceS = s.serviceTimeMs / 1000;
  const utilization = plannedUtilization(s);
  const stream = (estimate.rate * serviceS) / utilization;
  const bootS = s.bootTimeMs / 1000;
  // What will be queued when a launch made now is ready, if the backlog keeps growing as it does.
  const projected = total + estimate.growth * bootS;
  const budget = drainBudgetS(s);
  const drain = (projected * serviceS) / budget;
  const need = stream + drain;
  // The first instance is never left to the backlog: a sparse stream keeps one.
  // A backlog's own drain may round down by half an instance at most (its budget keeps a 10 % margin).
  const raw = need <= 1 ? Math.ceil(need - 1e-9) : Math.max(1, Math.ceil(drain - DRAIN_SLACK - 1e-9), Math.ceil(need - ROUNDING_SLACK - 1e-9));
  const wanted = total > 0 ? Math.max(1, raw) : raw;
  const growth = estimate.growth > 0 ? ` (+ ${fixed(estimate.growth, 1)}/s growing × ${fixed(bootS, 1)} s boot)` : '';
  const explained =
    `arrivals ${fixed(estimate.rate, 1)}/s × ${s.serviceTimeMs} ms / ${fixed(utilization)} busy = ${fixed(stream)}` +
    ` + backlog ${total}${growth} × ${s.serviceTimeMs} ms / ${fixed(budget, 1)} s = ${fixed(drain)} → ${wanted}`;
  return { wanted, stream, explained };
}
