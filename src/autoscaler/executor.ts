/**
 * The apply step of the autoscaler, shared by the live controller and the simulator: `planFleetChange` (pure,
 * the clock arrives as an argument) turns the policy's desired count and the listed fleet into what to do —
 * launch n, stop these ids, each with its reason — and `applyFleetPlan` carries a plan out against a pool.
 * The rules: instances past their boot or heartbeat deadline are stopped and replaced; launches never take
 * pending + running + stopping past the maximum and wait while the launch backoff holds them; scale-in stops
 * only instances that hold no work, those past their billing minimum first (fleet.ts: scaleInCandidates).
 */
import type { LogFields } from '../ports/logger.js';
import { CapacityExceededError } from '../domain/errors.js';
import type { Instance, InstancePool } from '../ports/instance-pool.js';
import { isActive, scaleInCandidates, type Unresponsive } from './fleet.js';
import type { LaunchBackoff } from './launch-backoff.js';

export interface PlanInput {
  /** Epoch milliseconds of the observation. */
  readonly now: number;
  /** What the policy asked for. */
  readonly desired: number;
  /** Every instance the pool listed (pending, running, stopping; stopped and terminated ones are ignored). */
  readonly instances: readonly Instance[];
  /** Listed instances that missed a deadline (fleet.ts: unresponsiveInstances): not capacity, to be replaced. */
  readonly unresponsive: readonly Unresponsive[];
  readonly maxInstances: number;
  readonly billingMinimumMs: number;
  /** The queue's in-flight count: what an instance that cannot say its own busy count may hold. */
  readonly queueInFlight: number | undefined;
  /** Milliseconds the launch backoff still holds launches (0: launch). */
  readonly launchHoldMs: number;
  /** Why launches are held, in words (the last failed start or refusal). */
  readonly launchHoldReason?: string;
}

export interface PlannedStop {
  readonly id: string;
  readonly name: string;
  readonly kind: 'unresponsive' | 'scale-in';
  readonly reason: string;
}

export interface FleetPlan {
  /** The instances counted as capacity (pending and running, not unresponsive). */
  readonly current: number;
  readonly launch: number;
  /** Launches wanted but held back by the launch backoff. */
  readonly heldByBackoff: number;
  /** Launches wanted but waiting for room under the maximum (stopping instances still count). */
  readonly waitingForRoom: number;
  /** Unresponsive instances first, then the idle ones scale-in stops. */
  readonly stops: readonly PlannedStop[];
  /** Instances scale-in wanted to stop. */
  readonly scaleInWanted: number;
}

/** Pending and running instances that did not miss a deadline: what the policy counts as the fleet. */
export function countedInstances(instances: readonly Instance[], unresponsive: readonly Unresponsive[]): Instance[] {
  const gone = new Set(unresponsive.map((u) => u.instance.id));
  return instances.filter((i) => isActive(i) && !gone.has(i.id));
}

function launchPart(input: PlanInput, wanted: number): Pick<FleetPlan, 'launch' | 'heldByBackoff' | 'waitingForRoom'> {
  if (wanted <= 0) return { launch: 0, heldByBackoff: 0, waitingForRoom: 0 };
  if (input.launchHoldMs > 0) return { launch: 0, heldByBackoff: wanted, waitingForRoom: 0 };
  const alive = input.instances.filter((i) => i.state !== 'terminated' && i.state !== 'stopped').length;
  const launch = Math.min(wanted, Math.max(0, input.maxInstances - alive));
  return { launch, heldByBackoff: 0, waitingForRoom: wanted - launch };
}

export function planFleetChange(input: PlanInput): FleetPlan {
  const counted = countedInstances(input.instances, input.unresponsive);
  const current = counted.length;
  const replacing: PlannedStop[] = input.unresponsive.map(({ instance, reason }) => ({ id: instance.id, name: instance.name, kind: 'unresponsive', reason }));
  const scaleInWanted = Math.max(0, current - input.desired);
  const billing = { now: input.now, billingMinimumMs: input.billingMinimumMs };
  const idle = scaleInWanted === 0 ? [] : scaleInCandidates(counted, input.queueInFlight, billing).slice(0, scaleInWanted);
  const scalingIn: PlannedStop[] = idle.map((i) => ({ id: i.id, name: i.name, kind: 'scale-in', reason: `desired ${input.desired} < ${current}` }));
  return { current, ...launchPart(input, input.desired - current), stops: [...replacing, ...scalingIn], scaleInWanted };
}

/** What the apply step needs of a pool: the InstancePool's launch and terminate. */
export type FleetPort = Pick<InstancePool, 'launch' | 'terminate'>;

/** How the apply step reports: its log lines and its failures (the controller's log and fail). */
export interface ApplyReport {
  info(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  fail(what: string, error: unknown): void;
}

/** What a plan is carried out with: the pool, the launch backoff it updates, the clock, the reporting. */
export interface ApplyContext {
  readonly pool: FleetPort;
  readonly backoff: LaunchBackoff;
  readonly now: () => number;
  readonly report: ApplyReport;
}

async function stop(pool: FleetPort, victim: PlannedStop, report: ApplyReport): Promise<void> {
  try {
    await pool.terminate(victim.id);
  } catch (error) {
    report.fail(`terminating ${victim.name} failed`, error);
  }
}

async function launch(plan: FleetPlan, { pool, backoff, now, report }: ApplyContext): Promise<void> {
  try {
    const launched = await pool.launch(plan.launch);
    backoff.noteLaunched();
    report.info({ launched: launched.map((i) => i.name) }, `launched ${launched.length} instance(s)`);
  } catch (error) {
    report.fail(`launching ${plan.launch} instance(s) failed`, error);
    if (error instanceof CapacityExceededError) backoff.noteRefused(now(), error.message);
  }
}

/**
 * Carries a plan out: terminates the unresponsive instances, then launches or terminates the idle ones the
 * plan names. A failing call is reported and the rest goes on; a refusal for capacity or quota backs launching off.
 */
export async function applyFleetPlan(plan: FleetPlan, input: PlanInput, reason: string, context: ApplyContext): Promise<void> {
  const { pool, report } = context;
  for (const victim of plan.stops.filter((s) => s.kind === 'unresponsive')) {
    report.error({ instance: victim.name, id: victim.id }, `terminating ${victim.name}: ${victim.reason}`);
    await stop(pool, victim, report);
  }
  const wanted = plan.launch + plan.heldByBackoff + plan.waitingForRoom;
  if (plan.heldByBackoff > 0) {
    report.info({ wanted, heldMs: input.launchHoldMs, reason }, `not launching ${wanted} for ${input.launchHoldMs} ms more: ${input.launchHoldReason ?? ''}`);
  } else if (wanted > 0) {
    report.info({ launching: plan.launch, waitingForStoppingToExit: plan.waitingForRoom, reason }, `scaling up, launching ${plan.launch}: ${reason}`);
    if (plan.launch > 0) await launch(plan, context);
  }
  if (plan.scaleInWanted === 0) return;
  const victims = plan.stops.filter((s) => s.kind === 'scale-in');
  report.info({ terminating: victims.map((v) => v.name), wanted: plan.scaleInWanted, reason }, `scaling in, terminating ${victims.length} of ${plan.scaleInWanted}: ${reason}`);
  for (const victim of victims) await stop(pool, victim, report);
}
