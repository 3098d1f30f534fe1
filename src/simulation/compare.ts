/**
 * Every policy on one trace, under one profile: ours (the live policy, its knob the latency target itself),
 * each anchor tuned (its main knob swept; the cheapest setting that meets the target is reported, or, when
 * none does, the one with the fewest misses), greedy hindsight (a schedule made knowing the trace), and the lower
 * bound no policy that meets the target can beat (lower-bound.ts).
 */
import { greedyHindsightSchedule } from './anchors/greedy-hindsight.js';
import { AwsTargetTrackingPolicy } from './anchors/aws-target-tracking.js';
import { KedaHpaPolicy } from './anchors/keda-hpa.js';
import { SageMakerAsyncPolicy } from './anchors/sagemaker-async.js';
import { ScalefacePolicy, scalefaceSettings } from './anchors/scaleface.js';
import { simulate, type SimPolicy, type Timeline } from './engine.js';
import { lowerBound } from './lower-bound.js';
import { SERVICE_TIME, type SimulationProfile } from './profiles.js';
import { drawLogNormal, seededRandom, type Random } from './random.js';
import type { Trace } from './traces.js';

export interface ComparisonRow {
  readonly trace: string;
  readonly policy: string;
  /** The anchor's tuned setting, or ours: the latency target. */
  readonly setting: string;
  readonly instance_seconds: number;
  readonly cost: number;
  readonly p50_s: number;
  readonly p95_s: number;
  readonly p99_s: number;
  readonly slo_s: number;
  readonly slo_misses: number;
  readonly meets_slo: boolean;
  /** Launches + stops. */
  readonly scale_events: number;
  readonly requests: number;
}

export interface TraceComparison {
  readonly rows: ComparisonRow[];
  /** Instances over time per simulated policy (greedy hindsight and the bound have none), for the plots. */
  readonly timelines: Record<string, Timeline>;
}

/** The knob values each anchor is swept over (its metric's target per instance). */
export const SWEEP = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

type AnchorFactory = (knob: number, profile: SimulationProfile) => SimPolicy;

const ANCHORS: Record<string, { label: string; make: AnchorFactory }> = {
  'keda-hpa': { label: 'queueLength', make: (k, p) => new KedaHpaPolicy(k, p.maxInstances, p.depthLagS) },
  'aws-target-tracking': { label: 'backlog/instance', make: (k, p) => new AwsTargetTrackingPolicy(k, p.maxInstances, p.depthLagS) },
  'sagemaker-async': { label: 'backlog/instance', make: (k, p) => new SageMakerAsyncPolicy(k, p.maxInstances, p.depthLagS) },
};

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

interface Outcome {
  readonly latencies: Float64Array;
  readonly instanceSeconds: number;
  readonly scaleEvents: number;
}

function row(trace: Trace, policy: string, setting: string, outcome: Outcome, profile: SimulationProfile): ComparisonRow {
  const sorted = Float64Array.from(outcome.latencies).sort();
  const p95 = percentile(sorted, 0.95);
  const round = (n: number, d = 3): number => (Number.isFinite(n) ? Number(n.toFixed(d)) : n);
  return {
    trace: trace.name,
    policy,
    setting,
    instance_seconds: round(outcome.instanceSeconds, 1),
    cost: round((outcome.instanceSeconds / 3600) * profile.pricePerHour, 4),
    p50_s: round(percentile(sorted, 0.5)),
    p95_s: round(p95),
    p99_s: round(percentile(sorted, 0.99)),
    slo_s: profile.sloS,
    slo_misses: sorted.filter((l) => l > profile.sloS).length,
    meets_slo: p95 <= profile.sloS,
    scale_events: outcome.scaleEvents,
    requests: sorted.length,
  };
}

/** Service seconds per request, drawn from the measured distribution with the run's seed. */
export function drawServiceTimes(count: number, seed: number): Float64Array {
  const random = seededRandom(seed ^ 0x5e41ce);
  return Float64Array.from({ length: count }, () => drawLogNormal(SERVICE_TIME, random));
}

/** The stream of boot and shutdown draws of a run with this seed (the lower bound reads a copy of it). */
export function drawStream(seed: number): Random {
  return seededRandom(seed ^ 0xb007);
}

function run(trace: Trace, service: Float64Array, profile: SimulationProfile, policy: SimPolicy, seed: number): Outcome & { timeline: Timeline } {
  const result = simulate({ trace, service, profile, policy, random: drawStream(seed) });
  return { latencies: result.latencies, instanceSeconds: result.instanceSeconds, scaleEvents: result.launches + result.stops, timeline: result.timeline };
}

/** The cheapest run that meets the target; when none does, the fewest misses. */
function better(a: ComparisonRow, b: ComparisonRow): boolean {
  if (a.meets_slo !== b.meets_slo) return a.meets_slo;
  if (a.meets_slo) return a.instance_seconds < b.instance_seconds;
  return a.slo_misses < b.slo_misses || (a.slo_misses === b.slo_misses && a.instance_seconds < b.instance_seconds);
}

/** The lower bound as a row: its instance-seconds; no latencies (it is not a schedule), so the latency cells are 0. */
function boundRow(trace: Trace, service: Float64Array, profile: SimulationProfile, seed: number): ComparisonRow {
  const bound = lowerBound(trace, service, profile, drawStream(seed));
  const setting = `p95 rule: ${bound.allowedMisses} may miss`;
  return { ...row(trace, LOWER_BOUND, setting, { latencies: new Float64Array(trace.arrivals.length), instanceSeconds: bound.instanceSeconds, scaleEvents: 0 }, profile), slo_misses: bound.allowedMisses };
}

/** The row name of the bound. */
export const LOWER_BOUND = 'lower-bound';

export function compareOnTrace(trace: Trace, profile: SimulationProfile, seed: number): TraceComparison {
  const service = drawServiceTimes(trace.arrivals.length, seed);
  const timelines: Record<string, Timeline> = {};
  const ours = run(trace, service, profile, new ScalefacePolicy(scalefaceSettings(profile, SERVICE_TIME.median * 1000), profile.depthLagS), seed);
  timelines.scaleface = ours.timeline;
  const rows = [row(trace, 'scaleface', `latency target ${profile.sloS} s`, ours, profile)];
  for (const [name, anchor] of Object.entries(ANCHORS)) {
    let best: { row: ComparisonRow; timeline: Timeline } | undefined;
    for (const knob of SWEEP) {
      const outcome = run(trace, service, profile, anchor.make(knob, profile), seed);
      const candidate = row(trace, name, `${anchor.label} ${knob}`, outcome, profile);
      if (best === undefined || better(candidate, best.row)) best = { row: candidate, timeline: outcome.timeline };
    }
    rows.push(best!.row);
    timelines[name] = best!.timeline;
  }
  const greedy = greedyHindsightSchedule(trace, service, profile);
  rows.push(row(trace, 'greedy-hindsight', 'knows the trace, packs greedily', { latencies: greedy.latencies, instanceSeconds: greedy.instanceSeconds, scaleEvents: 2 * greedy.launches }, profile));
  rows.push(boundRow(trace, service, profile, seed));
  return { rows, timelines };
}
