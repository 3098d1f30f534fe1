/**
 * The simulator: discrete time in controller ticks, requests served first come, first served by whichever
 * ready instance frees first (an instance works one image at a time, its service time drawn per request).
 * Each tick it samples the true queue depth, asks the policy for a count on what the policy may see (depth as
 * of its own delay), and carries the count out with the live controller's apply step (src/autoscaler/executor.ts:
 * which instances to launch, which idle ones to stop, under the maximum and the billing minimum): launches are
 * ready after a drawn boot time, billing ends a drawn shutdown time after a stop. No policy stops a busy
 * instance: each finishes what it holds, as ours does.
 */
import { planFleetChange, type FleetPlan } from '../autoscaler/executor.js';
import type { Instance } from '../ports/instance-pool.js';
import type { SimulationProfile } from './profiles.js';
import { drawLogNormal, type Random } from './random.js';
import type { Trace } from './traces.js';

export interface Depth {
  readonly visible: number;
  readonly inFlight: number;
}

/** An instance as a policy may see it: pending or running, not on its way out. */
export interface InstanceView {
  readonly launchedAt: number;
  readonly ready: boolean;
  readonly busy: boolean;
}

export interface ControllerView {
  /** Seconds since the trace began. */
  readonly now: number;
  /** The true depth at the last tick at or before `t` (0 before the start): a policy reads it with its own delay. */
  depthAt(t: number): Depth;
  readonly instances: readonly InstanceView[];
}

export interface SimPolicy {
  /** Desired instance count, asked every tick. */
  decide(view: ControllerView): number;
}

export interface Timeline {
  readonly t: number[];
  /** Arrivals per second over the tick before. */
  readonly arrivals: number[];
  readonly backlog: number[];
  /** Instances billed at that moment (booting, running, stopping). */
  readonly instances: number[];
}

export interface SimulationResult {
  /** Seconds from arrival to answer, per request in arrival order; Infinity when never answered. */
  readonly latencies: Float64Array;
  /** Billed: each launch from launch to stopped, at least the billing minimum. */
  readonly instanceSeconds: number;
  readonly launches: number;
  readonly stops: number;
  readonly timeline: Timeline;
}

/** The plan function the simulator applies: the very one src/autoscaler/controller.ts imports. */
export const SIMULATED_PLAN = planFleetChange;

/** One tick's apply step: the fleet as the controller would list it, what the policy asked, the plan. */
export interface SimulationStep {
  readonly t: number;
  readonly instances: readonly Instance[];
  readonly desired: number;
  readonly plan: FleetPlan;
}

export interface SimulationInput {
  readonly trace: Trace;
  /** Service seconds per request, in arrival order. */
  readonly service: Float64Array;
  readonly profile: SimulationProfile;
  readonly policy: SimPolicy;
  /** Boot and shutdown draws. */
  readonly random: Random;
  /** Seconds past the last arrival after which the run ends whatever the fleet does (default 3600). */
  readonly tailS?: number;
  /** Told every tick's apply step (tests compare it with the live controller's). */
  readonly onStep?: (step: SimulationStep) => void;
}

interface SimInstance {
  readonly id: number;
  readonly launchedAt: number;
  readonly readyAt: number;
  busyUntil: number;
  stoppedAt: number | undefined;
}

class Fleet {
  readonly all: SimInstance[] = [];
  launches = 0;
  stops = 0;
  constructor(private readonly input: SimulationInput) {}

  active(): SimInstance[] {
    return this.all.filter((i) => i.stoppedAt === undefined);
  }

  billedAt(t: number): number {
    return this.all.filter((i) => i.launchedAt <= t && (i.stoppedAt === undefined || i.stoppedAt > t)).length;
  }

  launch(t: number, count: number): void {
    for (let k = 0; k < count; k++) {
      const readyAt = t + drawLogNormal(this.input.profile.boot, this.input.random);
      this.all.push({ id: this.all.length, launchedAt: t, readyAt, busyUntil: readyAt, stoppedAt: undefined });
      this.launches++;
    }
  }

  /** The instances not yet stopped at `t`, as a pool lists them (ids are indices into `all`). */
  listed(t: number): Instance[] {
    return this.all
      .filter((i) => i.launchedAt <= t && (i.stoppedAt === undefined || i.stoppedAt > t))
      .map((i) => ({
        id: String(i.id),
        name: `app-tier-instance-${i.id + 1}`,
        state: i.stoppedAt !== undefined ? 'stopping' : i.readyAt > t ? 'pending' : 'running',
        launchedAt: i.launchedAt * 1000,
        ready: i.readyAt <= t,
        busy: i.readyAt <= t && i.busyUntil > t ? 1 : 0,
      }));
  }

  /** Carries out the live apply step's plan for `desired` at `t`. */
  apply(t: number, desired: number, inFlight: number): SimulationStep {
    const instances = this.listed(t);
    const { profile } = this.input;
    const plan = SIMULATED_PLAN({ now: t * 1000, desired, instances, unresponsive: [], maxInstances: profile.maxInstances, billingMinimumMs: profile.billingMinimumS * 1000, queueInFlight: inFlight, launchHoldMs: 0 });
    this.launch(t, plan.launch);
    for (const victim of plan.stops) {
      const instance = this.all[Number(victim.id)]!;
      instance.stoppedAt = t + drawLogNormal(profile.shutdown, this.input.random);
      instance.busyUntil = Infinity;
      this.stops++;
    }
    return { t, instances, desired, plan };
  }

  billedSeconds(end: number): number {
    const minimum = this.input.profile.billingMinimumS;
    return this.all.reduce((sum, i) => sum + Math.max(minimum, (i.stoppedAt ?? end) - i.launchedAt), 0);
  }
}

class Requests {
  next = 0;
  readonly latencies: Float64Array;
  constructor(private readonly input: SimulationInput) {
    this.latencies = new Float64Array(input.trace.arrivals.length).fill(Infinity);
  }

  /** Starts every request that an instance can start before `end`, first come, first served. */
  dispatch(fleet: Fleet, end: number): void {
    const { arrivals } = this.input.trace;
    const working = fleet.active();
    while (this.next < arrivals.length && arrivals[this.next]! < end && working.length > 0) {
      let first = working[0]!;
      for (const i of working) if (i.busyUntil < first.busyUntil) first = i;
      const start = Math.max(arrivals[this.next]!, first.busyUntil);
      if (start >= end) return;
      first.busyUntil = start + this.input.service[this.next]!;
      this.latencies[this.next] = first.busyUntil - arrivals[this.next]!;
      this.next++;
    }
  }
}

/** Runs one policy on one trace. */
export function simulate(input: SimulationInput): SimulationResult {
  const { arrivals } = input.trace;
  const { tickS } = input.profile;
  const fleet = new Fleet(input);
  const requests = new Requests(input);
  const samples: Depth[] = [];
  const timeline: Timeline = { t: [], arrivals: [], backlog: [], instances: [] };
  const last = arrivals.length > 0 ? arrivals[arrivals.length - 1]! : 0;
  const horizon = last + (input.tailS ?? 3600);
  let arrived = 0;
  let t = 0;
  for (let tick = 0; t <= horizon; tick++, t = tick * tickS) {
    requests.dispatch(fleet, t);
    const before = arrived;
    while (arrived < arrivals.length && arrivals[arrived]! <= t) arrived++;
    const active = fleet.active();
    const inFlight = active.filter((i) => i.busyUntil > t && i.readyAt <= t).length;
    const depth = { visible: arrived - requests.next, inFlight };
    samples.push(depth);
    timeline.t.push(t);
    timeline.arrivals.push((arrived - before) / tickS);
    timeline.backlog.push(depth.visible + depth.inFlight);
    timeline.instances.push(fleet.billedAt(t));
    if (t > last && requests.next === arrivals.length && inFlight === 0 && active.length === 0) break;
    const view: ControllerView = {
      now: t,
      depthAt: (at) => (at < 0 ? { visible: 0, inFlight: 0 } : samples[Math.min(samples.length - 1, Math.floor(at / tickS + 1e-9))]!),
      instances: active.map((i) => ({ launchedAt: i.launchedAt, ready: i.readyAt <= t, busy: i.busyUntil > t && i.readyAt <= t })),
    };
    const max = input.profile.maxInstances;
    const desired = Math.max(0, Math.min(max, Math.round(input.policy.decide(view))));
    const step = fleet.apply(t, desired, inFlight);
    input.onStep?.(step);
  }
  return { latencies: requests.latencies, instanceSeconds: fleet.billedSeconds(t), launches: fleet.launches, stops: fleet.stops, timeline };
}
