/**
 * The numbers the metrics and the dashboard need, read defensively from a `/v1/status` document
 * (built by src/system/up.ts; tests may pass a smaller one).
 */
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

export const INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;

export interface StatusSummary {
  readonly queue: DepthNumbers;
  readonly deadLetterQueue: DepthNumbers;
  readonly instancesByState: Readonly<Record<string, number>>;
  readonly desired: number;
  readonly maxInstances: number;
  readonly decisions: readonly DecisionNumbers[];
  /** Every autoscaler decision since it started, by direction; undefined when the status lacks them. */
  readonly decisionTotals: Record<'up' | 'down' | 'hold', number> | undefined;
}

function numberOr(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function depthOf(value: unknown): DepthNumbers {
  const depth = objectOr(value);
  return { visible: numberOr(depth.visible), inFlight: numberOr(depth.inFlight), delayed: numberOr(depth.delayed) };
}

function countByState(instances: unknown): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(INSTANCE_STATES.map((state) => [state, 0]));
  for (const instance of Array.isArray(instances) ? instances : []) {
    const state = objectOr(instance).state;
    if (typeof state === 'string') counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

function decisionsOf(value: unknown): DecisionNumbers[] {
  return (Array.isArray(value) ? value : []).map((entry) => {
    const decision = objectOr(entry);
    return { at: numberOr(decision.at), desired: numberOr(decision.desired), current: numberOr(decision.current) };
  });
}

function totalsOf(value: unknown): Record<'up' | 'down' | 'hold', number> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const totals = objectOr(value);
  return { up: numberOr(totals.up), down: numberOr(totals.down), hold: numberOr(totals.hold) };
}

export function readStatusSummary(status: Record<string, unknown>): StatusSummary {
  return {
    queue: depthOf(status.queue),
    deadLetterQueue: depthOf(status.deadLetterQueue),
    instancesByState: countByState(status.instances),
    desired: numberOr(status.desired),
    maxInstances: numberOr(status.maxInstances),
    decisions: decisionsOf(status.recentDecisions),
    decisionTotals: totalsOf(status.decisionTotals),
  };
}
