/**
 * Pure rules about the instances the pool lists (no I/O, the clock arrives as an argument): which ones are
 * capacity, which ones may be stopped without interrupting work, and which ones missed a deadline (never ready
 * after booting, or silent after being ready) and are to be replaced, each with the reason in words.
 */
import { instanceNumber } from '../domain/instance-names.js';
import type { Instance } from '../ports/instance-pool.js';

export function isActive(instance: Instance): boolean {
  return instance.state === 'pending' || instance.state === 'running';
}

/** The number in `app-tier-instance-<n>`, to order instances launched in the same millisecond. */
function numberOf(instance: Instance): number {
  return instanceNumber(instance.name) ?? 0;
}

/**
 * Whether an instance holds no work: it says it is idle, or it cannot say (no heartbeat count) and nothing is in
 * flight anywhere. The one rule for what scale-in may stop, in the policy's count and the controller's choice.
 */
export function holdsNoWork(busy: number | undefined, queueInFlight: number | undefined): boolean {
  return busy === 0 || (busy === undefined && queueInFlight === 0);
}

/** When launches are billed at least `billingMinimumMs` each: an instance younger than that is paid for anyway. */
export interface BillingClock {
  readonly now: number;
  readonly billingMinimumMs: number;
}

/**
 * Instances we may stop without interrupting work: with a billing clock, those past their billing minimum
 * first (stopping one inside it saves nothing), then newest first.
 */
export function scaleInCandidates(instances: Instance[], queueInFlight: number | undefined, billing?: BillingClock): Instance[] {
  const paid = (i: Instance): number => (billing !== undefined && billing.now - i.launchedAt < billing.billingMinimumMs ? 1 : 0);
  return instances
    .filter((i) => isActive(i) && holdsNoWork(i.busy, queueInFlight))
    .sort((a, b) => paid(a) - paid(b) || b.launchedAt - a.launchedAt || numberOf(b) - numberOf(a));
}

export interface InstanceDeadlines {
  /** An instance launched longer ago than this that never reported ready is not coming. */
  readonly bootMs: number;
  /** An instance that was ready and has written no heartbeat for this long is gone. */
  readonly heartbeatMs: number;
}

export interface Unresponsive {
  readonly instance: Instance;
  /** e.g. "app-tier-instance-3 was launched 312 s ago and never reported ready (boot deadline 300 s)". */
  readonly reason: string;
}

const seconds = (ms: number): number => Math.round(ms / 1000);

function missedDeadline(instance: Instance, now: number, deadlines: InstanceDeadlines): string | undefined {
  if (!isActive(instance) || instance.ready) return undefined;
  if (instance.lastHeartbeatAt === undefined) {
    const age = now - instance.launchedAt;
    if (age <= deadlines.bootMs) return undefined;
    return `${instance.name} was launched ${seconds(age)} s ago and never reported ready (boot deadline ${seconds(deadlines.bootMs)} s)`;
  }
  const silence = now - instance.lastHeartbeatAt;
  if (silence <= deadlines.heartbeatMs) return undefined;
  return `${instance.name}'s last heartbeat was ${seconds(silence)} s ago (heartbeat deadline ${seconds(deadlines.heartbeatMs)} s)`;
}

/** The pending and running instances that missed their boot or heartbeat deadline at `now`, in list order. */
export function unresponsiveInstances(instances: Instance[], now: number, deadlines: InstanceDeadlines): Unresponsive[] {
  return instances.flatMap((instance) => {
    const reason = missedDeadline(instance, now, deadlines);
    return reason === undefined ? [] : [{ instance, reason }];
  });
}
