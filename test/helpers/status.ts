import type { StatusSnapshot } from '../../src/domain/status-snapshot.js';

const idleDepth = { visible: 0, inFlight: 0, delayed: 0 };

/** A complete status snapshot of an idle system, with `overrides` on top. */
export function statusSnapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    queue: idleDepth,
    deadLetterQueue: idleDepth,
    backlog: 0,
    instances: [],
    desired: 0,
    maxInstances: 2,
    lastDecision: null,
    launchBackoff: null,
    recentDecisions: [],
    decisionTotals: { up: 0, down: 0, hold: 0 },
    autoscalerError: null,
    webTier: { replyQueue: 'test-reply-queue', waiting: 0 },
    ...overrides,
  };
}

/** An instance of the snapshot in `state`. */
export function instanceIn(state: string, n = 1): StatusSnapshot['instances'][number] {
  return { name: `app-tier-instance-${n}`, id: String(n), state, ready: state === 'running' };
}

/** What tests hand createWebTier when the status does not matter. */
export const IDLE_STATUS = () => async () => statusSnapshot();
