/**
 * The numbers the metrics and the dashboard need from a status snapshot (built by src/system/up.ts, typed by
 * its schema in src/web/status-schema.ts).
 */
import type { StatusSnapshot } from '../domain/status-snapshot.js';

export interface DepthNumbers {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export interface DecisionNumbers {
  readonly at: number;
  readonly desired: number;
  readonly current: number;
}

/** Counted even when no instance is in them, so that their gauges read 0 instead of disappearing. */
export const INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;

export interface StatusSummary {
  readonly queue: DepthNumbers;
  readonly deadLetterQueue: DepthNumbers;
  readonly instancesByState: Readonly<Record<string, number>>;
  readonly desired: number;
  readonly maxInstances: number;
  readonly decisions: readonly DecisionNumbers[];
  /** Every autoscaler decision since it started, by direction. */
  readonly decisionTotals: Readonly<Record<'up' | 'down' | 'hold', number>>;
}

export function countByState(instances: readonly { readonly state: string }[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(INSTANCE_STATES.map((state) => [state, 0]));
  for (const { state } of instances) counts[state] = (counts[state] ?? 0) + 1;
  return counts;
}

export function readStatusSummary(status: StatusSnapshot): StatusSummary {
  return {
    queue: status.queue,
    deadLetterQueue: status.deadLetterQueue,
    instancesByState: countByState(status.instances),
    desired: status.desired,
    maxInstances: status.maxInstances,
    decisions: status.recentDecisions.map(({ at, desired, current }) => ({ at, desired, current })),
    decisionTotals: status.decisionTotals,
  };
}
