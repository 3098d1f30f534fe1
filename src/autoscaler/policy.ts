/**
 * The scaling policy: a pure function from one observation of the request queue and the fleet to
 * the number of app-tier instances we want. No I/O and no clock: time arrives in the observation,
 * and the only memory (when the backlog was last non-zero) is passed in and returned as state.
 *
 * Like KEDA's queue scaler and the Kubernetes HPA: desired = ceil(backlog / target) within
 * [min, max], a tolerance band against flapping, immediate scale-up, and scale-in only after a
 * quiet window (KEDA's cooldown; here, nothing queued or in flight for `idleWindowMs`).
 */
import { InvalidInputError } from '../domain/errors.js';

export interface PolicySettings {
  readonly minInstances: number;
  readonly maxInstances: number;
  /** Backlog (visible + in flight) one instance is expected to carry. */
  readonly targetBacklogPerInstance: number;
  /** Nothing queued or in flight for this long before scaling in. */
  readonly idleWindowMs: number;
  /** Keep the current count while |desired / current - 1| <= tolerance (the HPA's 0.1). */
  readonly tolerance: number;
}

export const DEFAULT_TOLERANCE = 0.1;

export interface BacklogObservation {
  readonly visible: number;
  readonly inFlight: number;
}

export interface Observation {
  /** Epoch milliseconds of the observation. */
  readonly now: number;
  /** Request-queue depth; undefined when reading it failed. */
  readonly backlog: BacklogObservation | undefined;
  /** Instances not terminated and not on their way out: pending + running. */
  readonly current: number;
}

export interface PolicyState {
  /** Last time the backlog (visible + in flight) was above zero; undefined when never seen. */
  readonly lastActiveAt: number | undefined;
}

export interface Decision {
  readonly desired: number;
  /** Human-readable explanation, e.g. "backlog 37 (visible 30, in flight 7) / target 5 → 8, clamped to max 2". */
  readonly reason: string;
  /** State to pass to the next decision. */
  readonly state: PolicyState;
}

export const INITIAL_POLICY_STATE: PolicyState = { lastActiveAt: undefined };

/** Throws InvalidInputError unless 0 <= min <= max, target > 0, idle window >= 0, tolerance in [0, 1). */
export function validatePolicySettings(settings: PolicySettings): void {
  const { minInstances: min, maxInstances: max, targetBacklogPerInstance: target } = settings;
  const problems: string[] = [];
  if (!Number.isInteger(min) || min < 0) problems.push(`minInstances ${min} is not a whole number >= 0`);
  if (!Number.isInteger(max) || max < min) problems.push(`maxInstances ${max} is not a whole number >= minInstances`);
  if (!(target > 0)) problems.push(`targetBacklogPerInstance ${target} is not > 0`);
  if (!(settings.idleWindowMs >= 0)) problems.push(`idleWindowMs ${settings.idleWindowMs} is not >= 0`);
  if (!(settings.tolerance >= 0 && settings.tolerance < 1)) problems.push(`tolerance ${settings.tolerance} is not in [0, 1)`);
  if (problems.length > 0) throw new InvalidInputError(`invalid autoscaler settings: ${problems.join('; ')}`);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** The count the backlog asks for, within [min, max], and the sentence that explains it. */
function proposal(backlog: BacklogObservation, s: PolicySettings): { wanted: number; explained: string } {
  const total = backlog.visible + backlog.inFlight;
  const raw = Math.ceil(total / s.targetBacklogPerInstance);
  // Never fewer than the in-flight work needs (always true of `raw`; kept explicit as an invariant).
  const floor = Math.ceil(backlog.inFlight / s.targetBacklogPerInstance);
  const unclamped = Math.max(raw, floor);
  const wanted = clamp(unclamped, s.minInstances, s.maxInstances);
  let explained = `backlog ${total} (visible ${backlog.visible}, in flight ${backlog.inFlight}) / target ${s.targetBacklogPerInstance} → ${unclamped}`;
  if (wanted > unclamped) explained += `, raised to min ${s.minInstances}`;
  if (wanted < unclamped) explained += `, clamped to max ${s.maxInstances}`;
  return { wanted, explained };
}

function withinTolerance(wanted: number, current: number, tolerance: number): boolean {
  // |wanted / current - 1| <= tolerance, written without the division's rounding error (11/10 - 1 > 0.1).
  return current > 0 && Math.abs(wanted - current) <= tolerance * current + 1e-9;
}

function decideScaleIn(
  obs: Observation,
  lastActiveAt: number | undefined,
  wanted: number,
  explained: string,
  s: PolicySettings,
): { desired: number; reason: string } {
  const backlog = obs.backlog as BacklogObservation;
  if (backlog.visible + backlog.inFlight > 0) {
    return { desired: obs.current, reason: `${explained}; backlog not drained, holding ${obs.current}` };
  }
  const idleFor = lastActiveAt === undefined ? Infinity : obs.now - lastActiveAt;
  if (idleFor < s.idleWindowMs) {
    return { desired: obs.current, reason: `${explained}; idle ${idleFor} ms of ${s.idleWindowMs} ms, holding ${obs.current}` };
  }
  if (withinTolerance(wanted, obs.current, s.tolerance)) {
    return { desired: obs.current, reason: `${explained}; within tolerance ${s.tolerance} of ${obs.current}, holding` };
  }
  const idleText = lastActiveAt === undefined ? 'no backlog seen yet' : `idle ${idleFor} ms >= ${s.idleWindowMs} ms`;
  return { desired: wanted, reason: `${explained}; ${idleText}, scaling in ${obs.current} → ${wanted}` };
}

function decideWithBacklog(obs: Observation, lastActiveAt: number | undefined, s: PolicySettings): { desired: number; reason: string } {
  const { wanted, explained } = proposal(obs.backlog as BacklogObservation, s);
  const { current } = obs;
  if (current > s.maxInstances) {
    // Down to max at once; anything further follows the usual scale-in rules, as if we were at max.
    const atMax =
      wanted === s.maxInstances
        ? { desired: wanted, reason: explained }
        : decideScaleIn({ ...obs, current: s.maxInstances }, lastActiveAt, wanted, explained, s);
    return { desired: atMax.desired, reason: `${current} is above max ${s.maxInstances}, scaling in to ${atMax.desired}; ${atMax.reason}` };
  }
  if (wanted > current) {
    if (current >= s.minInstances && withinTolerance(wanted, current, s.tolerance)) {
      return { desired: current, reason: `${explained}; within tolerance ${s.tolerance} of ${current}, holding` };
    }
    const verb = current === 0 ? 'leaving 0,' : 'scaling up';
    return { desired: wanted, reason: `${explained}; ${verb} ${current} → ${wanted}` };
  }
  if (wanted === current) return { desired: current, reason: `${explained}; steady at ${current}` };
  return decideScaleIn(obs, lastActiveAt, wanted, explained, s);
}

/** Observation + state → desired instance count, with the reason and the next state. */
export function decideDesiredInstances(obs: Observation, state: PolicyState, settings: PolicySettings): Decision {
  validatePolicySettings(settings);
  if (obs.backlog === undefined) {
    const desired = clamp(obs.current, settings.minInstances, settings.maxInstances);
    const adjusted = desired === obs.current ? '' : ` (adjusted to [${settings.minInstances}, ${settings.maxInstances}] → ${desired})`;
    return { desired, reason: `queue depth unavailable; holding ${obs.current}${adjusted}`, state };
  }
  const active = obs.backlog.visible + obs.backlog.inFlight > 0;
  const lastActiveAt = active ? obs.now : state.lastActiveAt;
  const { desired, reason } = decideWithBacklog(obs, lastActiveAt, settings);
  return { desired, reason, state: { lastActiveAt } };
}
