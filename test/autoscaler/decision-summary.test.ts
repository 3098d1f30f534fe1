import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideDesiredInstances, type BacklogObservation, type FleetMember, type PolicySettings, type PolicyState } from '../../src/autoscaler/policy.js';

/** Local processes: a 2 s target, 1 s boot, 23 ms per image, 1 s idle window, nothing billed. */
const PROCESSES: PolicySettings = {
  minInstances: 0,
  maxInstances: 2,
  latencyTargetMs: 2000,
  serviceTimeMs: 23,
  bootTimeMs: 1000,
  idleWindowMs: 1000,
  scaleInWindowMs: 1000,
  rateWindowMs: 1000,
  billingMinimumMs: 0,
  tolerance: 0.1,
};
const NOW = 1_000_000;
const q = (visible: number, inFlight = 0): BacklogObservation => ({ visible, inFlight });
const ready = (n: number, busy = 0): FleetMember[] => Array.from({ length: n }, () => ({ ageMs: 60_000, ready: true, busy }));
/** Seen at the previous look 1 s ago with this backlog and no arrival rate. */
const lookedAt = (total: number, lastActiveAgoMs = 0): PolicyState => ({
  lastActiveAt: NOW - lastActiveAgoMs,
  sample: { at: NOW - 1000, total, slope: 0 },
  rate: 0,
});

function summary(backlog: BacklogObservation | undefined, current: number, state: PolicyState, settings: Partial<PolicySettings> = {}, fleet = ready(current)): string {
  return decideDesiredInstances({ now: NOW, backlog, current, fleet }, state, { ...PROCESSES, ...settings }).summary;
}

describe('decision summaries: the sentence beside the formula', () => {
  test('a backlog one instance cannot answer within the target scales up, saying so', () => {
    const decision = decideDesiredInstances({ now: NOW, backlog: q(90), current: 1, fleet: ready(1) }, lookedAt(90), PROCESSES);
    assert.equal(decision.desired, 2);
    assert.equal(decision.summary, 'Scaled up to 2: 90 requests waiting would take longer than the 2 s target with 1 instance');
    assert.match(decision.reason, /backlog 90/, 'the formula stays the reason');
  });

  test('leaving 0, steady, clamped to the maximum', () => {
    assert.equal(summary(q(5), 0, lookedAt(0, 60_000)), 'Scaled up to 1: 5 requests waiting, no instance running');
    assert.equal(summary(q(0), 0, lookedAt(0, 60_000)), 'Holding at 0: nothing waiting');
    assert.equal(summary(q(3), 1, lookedAt(3)), 'Holding at 1: 1 instance answers 3 requests waiting within the 2 s target');
    assert.equal(summary(q(1000), 2, lookedAt(1000)), 'Holding at 2: 1000 requests waiting would need more instances, but 2 is the maximum');
  });

  test('idle at 0 while the rate estimate still sees the burst that just ended: nothing waiting', () => {
    const afterBurst: PolicyState = { lastActiveAt: NOW - 1500, sample: { at: NOW - 1000, total: 0, slope: 0 }, rate: 9.7 };
    assert.equal(summary(q(0), 0, afterBurst), 'Holding at 0: nothing waiting');
  });

  test('scale-in: idle for the idle window, or the most wanted over the scale-in window', () => {
    assert.equal(summary(q(0), 2, lookedAt(0, 1500)), 'Scaled in to 0: idle for 1.5 s');
    const wanted2: PolicyState = { ...lookedAt(1), wishes: [{ at: NOW - 500, wanted: 2 }] };
    assert.equal(summary(q(1), 2, wanted2), 'Holding at 2: 2 wanted over the last 1 s');
    const wanted1: PolicyState = { ...lookedAt(1), wishes: [{ at: NOW - 500, wanted: 1 }] };
    assert.equal(summary(q(1), 2, wanted1), 'Scaled in to 1: at most 1 wanted over the last 1 s');
  });

  test('scale-in that cannot stop busy instances, and a paid minimum on a billed backend', () => {
    // Two in flight on two busy instances: the sizing wants 1, and neither may be stopped.
    assert.equal(summary(q(0, 2), 2, lookedAt(2), {}, ready(2, 1)), 'Holding at 2: nothing can be stopped (keeping 2 busy)');
    const billed = { billingMinimumMs: 60_000, idleWindowMs: 1000 };
    const young: FleetMember[] = [{ ageMs: 5000, ready: true, busy: 0 }];
    assert.equal(summary(q(0), 1, { lastActiveAt: NOW - 5000 }, billed, young), 'Holding at 1: idle for 5 s, but nothing can be stopped (keeping 1 idle inside its paid 60 s)');
  });

  test('a failed depth read holds', () => {
    assert.equal(summary(undefined, 1, lookedAt(0)), 'Holding at 1: the queue depth could not be read');
  });
});
