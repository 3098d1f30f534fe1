/**
 * The scaling policy: a pure function from one observation of the request queue and the fleet to the number of
 * app-tier instances we want. No I/O and no clock: time arrives in the observation, memory (the arrival-rate
 * estimate, recent wishes, when work was last seen) is passed in and returned as state. The live controller
 * and the simulator (src/simulation) call this very function.
 *
 * Sizing (policy-sizing.ts): the arrival rate times the measured service time (Little's law) at a planned
 * utilization, plus what drains the backlog in the time the latency target leaves after a boot. Scale-up is
 * immediate; scale-in goes gradually to the largest count wanted over `scaleInWindowMs`, never stops a busy
 * instance nor one inside its paid billing minimum (keeping it costs nothing), and everything goes to min (0)
 * after `idleWindowMs` without work. A failed depth read holds the count. On billed backends only, a first launch
 * from 0 for a backlog one instance drains may wait while the oldest request can still meet the target
 * (deferredLaunch); processes always launch at the first look.
 */
import { summarizeDecision, type DecisionCause, type Kept } from './decision-summary.js';
import { holdsNoWork } from './fleet.js';
import { estimateRate, sizeFor, type RateSample } from './policy-sizing.js';
import { validatePolicySettings, type PolicySettings } from './policy-settings.js';

export { DEFAULT_TOLERANCE, validatePolicySettings, type PolicySettings } from './policy-settings.js';

export interface BacklogObservation {
  readonly visible: number;
  readonly inFlight: number;
}

/** One counted instance as the policy sees it. */
export interface FleetMember {
  /** Milliseconds since its launch. */
  readonly ageMs: number;
  readonly ready: boolean;
  /** Messages it holds; undefined when the pool cannot tell. */
  readonly busy: number | undefined;
}

export interface Observation {
  /** Epoch milliseconds of the observation. */
  readonly now: number;
  /** Request-queue depth; undefined when reading it failed. */
  readonly backlog: BacklogObservation | undefined;
  /** Instances not terminated and not on their way out: pending + running. */
  readonly current: number;
  /** The `current` instances; without it, all count as ready, past their billing minimum, busy as in flight says. */
  readonly fleet?: readonly FleetMember[];
  /** The model's service time as the workers measured it (service-time.ts); undefined: the settings' value. */
  readonly serviceTimeMs?: number;
}

export interface PolicyState {
  /** Last time the backlog (visible + in flight) was above zero; undefined when never seen. */
  readonly lastActiveAt: number | undefined;
  /**
   * When the backlog (visible + in flight) was seen rising from 0; undefined while it is 0. A failed depth read
   * neither starts nor resets it. At 0 instances it is how long the oldest queued request has waited (as far
   * as the depth tells), which the deferred first launch on billed backends spends from the latency target.
   */
  readonly backlogSince?: number;
  /** The previous observation's backlog, for the rate estimate. */
  readonly sample?: RateSample;
  /** Smoothed arrivals per second. */
  readonly rate?: number;
  /** Counts wanted at recent observations (within scaleInWindowMs), oldest first. */
  readonly wishes?: readonly { readonly at: number; readonly wanted: number }[];
}

export interface Decision {
  readonly desired: number;
  /** Human-readable explanation of the numbers behind the decision. */
  readonly reason: string;
  /** The decision in a sentence a person reads first (decision-summary.ts); `reason` keeps the arithmetic. */
  readonly summary: string;
  /** State to pass to the next decision. */
  readonly state: PolicyState;
}

export const INITIAL_POLICY_STATE: PolicyState = { lastActiveAt: undefined };

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function withinTolerance(wanted: number, current: number, tolerance: number): boolean {
  // |wanted / current - 1| <= tolerance, written without the division's rounding error (11/10 - 1 > 0.1).
  return current > 0 && Math.abs(wanted - current) <= tolerance * current + 1e-9;
}

/** The instances scale-in may stop now: idle, and past their billing minimum (inside it they are paid for). */
function stoppable(obs: Observation, s: PolicySettings): { count: number; paid: number; busy: number } {
  const inFlight = obs.backlog?.inFlight ?? 0;
  if (obs.fleet === undefined) {
    const busy = Math.min(obs.current, inFlight);
    return { count: obs.current - busy, paid: 0, busy };
  }
  const idle = obs.fleet.filter((m) => holdsNoWork(m.busy, inFlight));
  const past = idle.filter((m) => m.ageMs >= s.billingMinimumMs);
  return { count: past.length, paid: idle.length - past.length, busy: obs.fleet.length - idle.length };
}

interface Step {
  readonly desired: number;
  readonly reason: string;
  readonly cause: DecisionCause;
}

/** Fewer wanted than running: how far we may go down now, and why not further. */
function scaleIn(obs: Observation, wanted: number, idleFor: number, wishes: PolicyState['wishes'], s: PolicySettings): Step {
  const { current } = obs;
  const idle = idleFor >= s.idleWindowMs;
  const stabilized = idle ? wanted : Math.max(wanted, ...(wishes ?? []).map((w) => w.wanted));
  const why = idle ? `idle ${Number.isFinite(idleFor) ? `${idleFor} ms` : 'since start'} >= ${s.idleWindowMs} ms` : `largest wanted over ${s.scaleInWindowMs} ms is ${stabilized}`;
  const causeOf = (kept?: Kept): DecisionCause =>
    idle ? { kind: 'idle', idleMs: idleFor, kept } : { kind: 'recently-wanted', wanted: stabilized, windowMs: s.scaleInWindowMs, kept };
  if (stabilized >= current) return { desired: current, reason: `${why}, holding ${current}`, cause: causeOf() };
  if (!idle && withinTolerance(stabilized, current, s.tolerance)) {
    const cause: DecisionCause = { kind: 'tolerance', wanted: stabilized, tolerance: s.tolerance };
    return { desired: current, reason: `${why}, within tolerance ${s.tolerance} of ${current}, holding`, cause };
  }
  const free = stoppable(obs, s);
  const desired = Math.max(stabilized, current - free.count);
  const kept: string[] = [];
  if (free.busy > 0) kept.push(`${free.busy} busy`);
  if (free.paid > 0) kept.push(`${free.paid} idle inside their paid ${s.billingMinimumMs / 1000} s`);
  const keeping = kept.length > 0 && desired > stabilized;
  const keptText = keeping ? ` (keeping ${kept.join(', ')})` : '';
  const cause = causeOf(keeping ? { busy: free.busy, paid: free.paid, billingMinimumMs: s.billingMinimumMs } : undefined);
  if (desired === current) return { desired, reason: `${why}; nothing to stop${keptText}, holding ${current}`, cause };
  return { desired, reason: `${why}, scaling in ${current} → ${desired}${keptText}`, cause };
}

function decide(obs: Observation, wanted: number, idleFor: number, wishes: PolicyState['wishes'], s: PolicySettings): Step {
  const { current } = obs;
  if (current > s.maxInstances) {
    // Down to max at once; anything further follows the usual scale-in rules, as if we were at max.
    const atMax: Step = wanted >= s.maxInstances ? { desired: s.maxInstances, reason: 'at max', cause: { kind: 'sized' } } : scaleIn({ ...obs, current: s.maxInstances }, wanted, idleFor, wishes, s);
    const cause: DecisionCause = { kind: 'above-max', max: s.maxInstances, then: atMax.cause };
    return { desired: atMax.desired, reason: `${current} is above max ${s.maxInstances}, scaling in to ${atMax.desired}; ${atMax.reason}`, cause };
  }
  if (wanted > current) {
    if (current >= s.minInstances && withinTolerance(wanted, current, s.tolerance)) {
      return { desired: current, reason: `within tolerance ${s.tolerance} of ${current}, holding`, cause: { kind: 'tolerance', wanted, tolerance: s.tolerance } };
    }
    return { desired: wanted, reason: `${current === 0 ? 'leaving 0,' : 'scaling up'} ${current} → ${wanted}`, cause: { kind: 'sized' } };
  }
  if (wanted === current) return { desired: current, reason: `steady at ${current}`, cause: { kind: 'sized' } };
  return scaleIn(obs, wanted, idleFor, wishes, s);
}

/** Below this many instances' worth of arrivals, the stream is over. */
const STREAM_OVER = 0.05;

/**
 * How long nothing was seen queued or in flight. When launches are billed, arrivals the estimate still sees
 * (a sparse stream answered between two looks at the queue) are not idleness: stopping would cost a boot and
 * a billed minute at the next request.
 */
function idleTime(lastActiveAt: number | undefined, now: number, stream: number, s: PolicySettings): number {
  if (s.billingMinimumMs > 0 && stream >= STREAM_OVER) return 0;
  return lastActiveAt === undefined ? Infinity : now - lastActiveAt;
}

/** Share of the latency target kept in hand when a first launch is deferred: the depth's lag, a tick, a slow boot. */
const DEFER_MARGIN_SHARE = 0.1;

const secondsText = (ms: number): string => String(Number((ms / 1000).toFixed(1)));

/**
 * Deferred first launch, on billed backends only. At 0 instances, min 0, with a backlog the sizing gives to
 * exactly one instance, the launch may wait while the oldest queued request can still be answered within the
 * target: it has waited `now − backlogSince` (as far as the depth tells) and will wait the planned boot (a high
 * percentile), then at most the drain of what is queued (FCFS answers it first; the drain is margin), with 10 %
 * of the target in hand. A launch is billed its minimum whenever it comes, so the arrivals of the wait share
 * it instead of the instance idling between them. Never on the first look: how long that backlog waited is
 * unknown. Undefined when the usual rules decide.
 */
function deferredLaunch(obs: Observation, total: number, sized: number, backlogSince: number | undefined, firstLook: boolean, s: PolicySettings): Step | undefined {
  if (s.billingMinimumMs === 0 || s.minInstances > 0 || obs.current !== 0 || total === 0 || sized !== 1 || backlogSince === undefined || firstLook) return undefined;
  const waited = obs.now - backlogSince;
  const drainMs = total * s.serviceTimeMs;
  const marginMs = DEFER_MARGIN_SHARE * s.latencyTargetMs;
  const left = s.latencyTargetMs - s.bootTimeMs - drainMs - marginMs - waited;
  const head = `backlog ${total} at 0 instances for ${(waited / 1000).toFixed(1)} s: the target ${secondsText(s.latencyTargetMs)} s`;
  const parts = `(boot ${secondsText(s.bootTimeMs)} s + drain ${secondsText(drainMs)} s + margin ${secondsText(marginMs)} s)`;
  if (left > 0) return { desired: 0, reason: `${head} leaves ${(left / 1000).toFixed(1)} s before a launch is needed ${parts}; holding 0`, cause: { kind: 'deferred', leftMs: left } };
  return { desired: 1, reason: `${head} leaves no more time to wait ${parts}; leaving 0, 0 → 1`, cause: { kind: 'defer-over', waitedMs: waited } };
}

function working(obs: Observation, inFlight: number): number {
  const ready = obs.fleet === undefined ? obs.current : obs.fleet.filter((m) => m.ready).length;
  return Math.min(inFlight, ready);
}

/** Observation + state → desired instance count, with the reason and the next state. */
export function decideDesiredInstances(obs: Observation, state: PolicyState, settings: PolicySettings): Decision {
  const s = obs.serviceTimeMs === undefined ? settings : { ...settings, serviceTimeMs: obs.serviceTimeMs };
  validatePolicySettings(s);
  if (obs.backlog === undefined) {
    const desired = clamp(obs.current, s.minInstances, s.maxInstances);
    const adjusted = desired === obs.current ? '' : ` (adjusted to [${s.minInstances}, ${s.maxInstances}] → ${desired})`;
    const summary = summarizeDecision({ kind: 'depth-unavailable' }, { current: obs.current, desired, total: 0, rate: 0, latencyTargetMs: s.latencyTargetMs });
    return { desired, reason: `queue depth unavailable; holding ${obs.current}${adjusted}`, summary, state };
  }
  const { visible, inFlight } = obs.backlog;
  const total = visible + inFlight;
  const lastActiveAt = total > 0 ? obs.now : state.lastActiveAt;
  const backlogSince = total > 0 ? (state.backlogSince ?? obs.now) : undefined;
  const previous = state.sample === undefined ? undefined : { sample: state.sample, rate: state.rate ?? 0 };
  const estimate = estimateRate(previous, obs.now, total, working(obs, inFlight), s);
  const sizing = sizeFor(total, estimate, s);
  const unclamped = sizing.wanted;
  const idleFor = idleTime(lastActiveAt, obs.now, sizing.stream, s);
  const wanted = clamp(idleFor >= s.idleWindowMs ? 0 : unclamped, s.minInstances, s.maxInstances);
  let sized = `${sizing.explained} (visible ${visible}, in flight ${inFlight})`;
  if (wanted > unclamped) sized += `, raised to min ${s.minInstances}`;
  if (wanted < unclamped) sized += `, clamped to max ${s.maxInstances}`;
  const wishes = (state.wishes ?? []).filter((w) => obs.now - w.at < s.scaleInWindowMs);
  const step = deferredLaunch(obs, total, unclamped, backlogSince, state.sample === undefined, s) ?? decide(obs, wanted, idleFor, wishes, s);
  const nextState: PolicyState = { lastActiveAt, backlogSince, sample: estimate.sample, rate: estimate.rate, wishes: [...wishes, { at: obs.now, wanted }] };
  const facts = { current: obs.current, desired: step.desired, total, rate: estimate.rate, latencyTargetMs: s.latencyTargetMs, ...(unclamped > s.maxInstances ? { clampedToMax: s.maxInstances } : {}) };
  return { desired: step.desired, reason: `${sized}; ${step.reason}`, summary: summarizeDecision(step.cause, facts), state: nextState };
}
