/**
 * What the autoscaler decided, for /v1/status and the decision counter: the last decisions and the totals by
 * direction since start.
 */
import type { Instance } from '../ports/instance-pool.js';
import type { QueueDepth } from '../ports/queue.js';
import type { LaunchBackoffStatus } from './launch-backoff.js';

const RECENT_DECISIONS = 50;
/**
 * Decisions that changed the count, kept apart: every enqueue pokes a tick, so a burst of uploads makes dozens of
 * decisions in a second and would push its scale-up out of the recent ones before the dashboard's next read.
 */
const RECENT_CHANGES = 20;

export interface DecisionRecord {
  readonly at: number;
  readonly desired: number;
  /** Pending + running instances when the decision was made. */
  readonly current: number;
  readonly backlog: QueueDepth | undefined;
  /** The policy's arithmetic. */
  readonly reason: string;
  /** The decision in a sentence, for people (the dashboard, `scaleface status`). */
  readonly summary: string;
}

export interface AutoscalerStatus {
  readonly desired: number;
  /** Instances as listed at the end of the last tick (stopping ones included). */
  readonly instances: Instance[];
  readonly lastDecision: { readonly at: number; readonly desired: number; readonly reason: string } | undefined;
  /** The last decisions, oldest first. */
  readonly recentDecisions: DecisionRecord[];
  /** The last decisions whose desired count differed from the current one, oldest first. */
  readonly recentChanges: DecisionRecord[];
  /** Every decision since start, by direction (for a Prometheus counter). */
  readonly decisionTotals: DecisionTotals;
  readonly backlog: QueueDepth | undefined;
  readonly lastError?: string;
  /** Set while launches are held back after failed starts or refused launches (quota, capacity). */
  readonly launchBackoff?: LaunchBackoffStatus;
}

export interface DecisionTotals {
  up: number;
  down: number;
  hold: number;
}

/** The decisions kept for status(): the last RECENT_DECISIONS, and every one counted by direction. */
export class DecisionLog {
  private readonly totals: DecisionTotals = { up: 0, down: 0, hold: 0 };
  private readonly decisions: DecisionRecord[] = [];
  private readonly changes: DecisionRecord[] = [];

  record(decision: DecisionRecord): void {
    const direction = decision.desired > decision.current ? 'up' : decision.desired < decision.current ? 'down' : 'hold';
    this.totals[direction] += 1;
    this.decisions.push(decision);
    if (this.decisions.length > RECENT_DECISIONS) this.decisions.shift();
    if (direction === 'hold') return;
    this.changes.push(decision);
    if (this.changes.length > RECENT_CHANGES) this.changes.shift();
  }

  summary(): Pick<AutoscalerStatus, 'lastDecision' | 'recentDecisions' | 'recentChanges' | 'decisionTotals'> {
    const last = this.decisions.at(-1);
    return {
      lastDecision: last && { at: last.at, desired: last.desired, reason: last.reason },
      recentDecisions: [...this.decisions],
      recentChanges: [...this.changes],
      decisionTotals: { ...this.totals },
    };
  }
}
