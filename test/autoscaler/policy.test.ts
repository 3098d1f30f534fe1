import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideDesiredInstances,
  INITIAL_POLICY_STATE,
  validatePolicySettings,
  type BacklogObservation,
  type PolicySettings,
} from '../../src/autoscaler/policy.js';
import { InvalidInputError } from '../../src/domain/errors.js';

const BASE: PolicySettings = { minInstances: 0, maxInstances: 20, targetBacklogPerInstance: 5, idleWindowMs: 300, tolerance: 0.1 };
const NOW = 1_000_000;

interface Row {
  readonly name: string;
  readonly settings?: Partial<PolicySettings>;
  readonly backlog: BacklogObservation | undefined;
  readonly current: number;
  /** Milliseconds since the backlog was last above zero; undefined = never. */
  readonly idleForMs?: number;
  readonly desired: number;
  /** Text the reason must contain. */
  readonly reason: string;
}

const q = (visible: number, inFlight = 0): BacklogObservation => ({ visible, inFlight });

const rows: Row[] = [
  { name: '0 stays 0 with no backlog', backlog: q(0), current: 0, desired: 0, reason: 'steady at 0' },
  { name: '0 stays 0 with no backlog, never active', backlog: q(0), current: 0, idleForMs: undefined, desired: 0, reason: 'steady' },
  { name: '1 message leaves 0 at once', backlog: q(1), current: 0, desired: 1, reason: 'leaving 0, 0 → 1' },
  { name: 'one in-flight message alone leaves 0', backlog: q(0, 1), current: 0, desired: 1, reason: 'in flight 1' },
  { name: '37 messages, target 5, max 20 → 8', backlog: q(37), current: 0, desired: 8, reason: 'backlog 37 (visible 37, in flight 0) / target 5 → 8' },
  {
    name: '37 messages, max 2 → clamped to 2',
    settings: { maxInstances: 2 },
    backlog: q(30, 7),
    current: 0,
    desired: 2,
    reason: 'backlog 37 (visible 30, in flight 7) / target 5 → 8, clamped to max 2',
  },
  { name: '500 messages → max 20', backlog: q(500), current: 3, desired: 20, reason: 'clamped to max 20' },
  { name: 'huge backlog never above max', backlog: q(1_000_000, 1_000), current: 20, desired: 20, reason: 'clamped to max 20' },
  { name: 'above max (settings lowered) comes down to max at once', settings: { maxInstances: 3 }, backlog: q(100), current: 5, desired: 3, reason: 'above max 3' },
  { name: 'above max with no backlog comes down to max at once', settings: { maxInstances: 3 }, backlog: q(0), current: 5, idleForMs: 0, desired: 3, reason: '5 is above max 3, scaling in to 3; backlog 0' },
  { name: 'above max and idle: straight to 0', settings: { maxInstances: 3 }, backlog: q(0), current: 5, idleForMs: 400, desired: 0, reason: 'scaling in to 0' },
  { name: 'scale-up is immediate', backlog: q(40), current: 2, idleForMs: 0, desired: 8, reason: 'scaling up 2 → 8' },
  { name: 'tolerance: 11 wanted vs 10 current holds', backlog: q(55), current: 10, desired: 10, reason: 'within tolerance 0.1 of 10' },
  { name: 'tolerance: 12 wanted vs 10 current scales up', backlog: q(60), current: 10, desired: 12, reason: 'scaling up 10 → 12' },
  { name: 'tolerance 0: 11 vs 10 scales up', settings: { tolerance: 0 }, backlog: q(55), current: 10, desired: 11, reason: 'scaling up' },
  {
    name: 'tolerance on scale-in: min 19 vs 20 current holds after idle window',
    settings: { minInstances: 19 },
    backlog: q(0),
    current: 20,
    idleForMs: 10_000,
    desired: 20,
    reason: 'within tolerance',
  },
  { name: 'equal → steady', backlog: q(10), current: 2, desired: 2, reason: 'steady at 2' },
  { name: 'idle window not yet passed → hold', backlog: q(0), current: 3, idleForMs: 299, desired: 3, reason: 'idle 299 ms of 300 ms, holding 3' },
  { name: 'idle window passed → 0', backlog: q(0), current: 3, idleForMs: 300, desired: 0, reason: 'idle 300 ms >= 300 ms, scaling in 3 → 0' },
  { name: 'no backlog ever seen → scale in at once', backlog: q(0), current: 2, idleForMs: undefined, desired: 0, reason: 'no backlog seen yet' },
  { name: 'backlog falling but not drained → hold', backlog: q(3, 2), current: 4, idleForMs: 10_000, desired: 4, reason: 'backlog not drained, holding 4' },
  {
    name: 'in-flight protection: all work in flight keeps the workers',
    backlog: q(0, 12),
    current: 3,
    idleForMs: 10_000,
    desired: 3,
    reason: 'in flight 12',
  },
  { name: 'in-flight protection: one in-flight message keeps 1 of 1', backlog: q(0, 1), current: 1, desired: 1, reason: 'steady at 1' },
  { name: 'min > 0 respected when idle', settings: { minInstances: 2 }, backlog: q(0), current: 5, idleForMs: 5_000, desired: 2, reason: 'scaling in 5 → 2' },
  { name: 'min > 0 raises from 0 without backlog', settings: { minInstances: 2 }, backlog: q(0), current: 0, desired: 2, reason: 'raised to min 2' },
  { name: 'min > 0 with small backlog', settings: { minInstances: 2 }, backlog: q(1), current: 0, desired: 2, reason: 'raised to min 2' },
  { name: 'below min and within tolerance still raised to min', settings: { minInstances: 10 }, backlog: q(0), current: 9, desired: 10, reason: 'scaling up 9 → 10' },
  { name: 'depth failure holds the current count', backlog: undefined, current: 3, desired: 3, reason: 'queue depth unavailable; holding 3' },
  { name: 'depth failure holds 0', backlog: undefined, current: 0, desired: 0, reason: 'queue depth unavailable' },
  { name: 'depth failure holds but clamps to max', settings: { maxInstances: 2 }, backlog: undefined, current: 4, desired: 2, reason: 'adjusted to [0, 2] → 2' },
  { name: 'fractional target', settings: { targetBacklogPerInstance: 2.5 }, backlog: q(6), current: 0, desired: 3, reason: '→ 3' },
  { name: 'target 1: one per message', settings: { targetBacklogPerInstance: 1, maxInstances: 4 }, backlog: q(3), current: 1, desired: 3, reason: 'scaling up 1 → 3' },
  { name: 'idle window 0 scales in on the first empty tick', settings: { idleWindowMs: 0 }, backlog: q(0), current: 2, idleForMs: 0, desired: 0, reason: 'scaling in 2 → 0' },
];

describe('decideDesiredInstances', () => {
  for (const row of rows) {
    test(row.name, () => {
      const settings = { ...BASE, ...row.settings };
      const state = { lastActiveAt: row.idleForMs === undefined ? undefined : NOW - row.idleForMs };
      const decision = decideDesiredInstances({ now: NOW, backlog: row.backlog, current: row.current }, state, settings);
      assert.equal(decision.desired, row.desired, decision.reason);
      assert.ok(decision.reason.includes(row.reason), `reason "${decision.reason}" lacks "${row.reason}"`);
      assert.ok(decision.desired <= settings.maxInstances);
      assert.ok(decision.desired >= settings.minInstances);
    });
  }

  test('never above max, never below min, never scales below the in-flight need, over a grid', () => {
    for (const max of [1, 2, 3, 7, 20]) {
      for (const min of [0, 1, max]) {
        for (const visible of [0, 1, 4, 5, 6, 37, 500]) {
          for (const inFlight of [0, 1, 9, 30]) {
            for (const current of [0, 1, 2, 5, 25]) {
              const settings = { ...BASE, minInstances: min, maxInstances: max };
              const d = decideDesiredInstances({ now: NOW, backlog: q(visible, inFlight), current }, { lastActiveAt: NOW - 50 }, settings);
              const label = JSON.stringify({ max, min, visible, inFlight, current, d });
              assert.ok(d.desired <= max && d.desired >= min, label);
              if (d.desired < current) assert.ok(d.desired >= Math.min(max, Math.ceil(inFlight / 5)), label);
              if (visible + inFlight > 0 && current === 0) assert.ok(d.desired >= 1, label);
            }
          }
        }
      }
    }
  });

  test('state: lastActiveAt moves only while there is backlog', () => {
    const s1 = decideDesiredInstances({ now: 100, backlog: q(2, 1), current: 0 }, INITIAL_POLICY_STATE, BASE).state;
    assert.equal(s1.lastActiveAt, 100);
    const s2 = decideDesiredInstances({ now: 250, backlog: q(0, 0), current: 1 }, s1, BASE).state;
    assert.equal(s2.lastActiveAt, 100);
    const s3 = decideDesiredInstances({ now: 300, backlog: undefined, current: 1 }, s2, BASE).state;
    assert.equal(s3.lastActiveAt, 100);
    const s4 = decideDesiredInstances({ now: 400, backlog: q(0, 1), current: 1 }, s3, BASE).state;
    assert.equal(s4.lastActiveAt, 400);
  });

  test('a drain then quiet period: hold, hold, then 0', () => {
    let state = INITIAL_POLICY_STATE;
    const steps: Array<[number, BacklogObservation, number, number]> = [
      // [now, backlog, current, expected desired]
      [0, q(30), 0, 6],
      [100, q(20, 6), 6, 6],
      [200, q(0, 4), 6, 6],
      [300, q(0, 0), 6, 6],
      [499, q(0, 0), 6, 6],
      [500, q(0, 0), 6, 0],
    ];
    for (const [now, backlog, current, expected] of steps) {
      const d = decideDesiredInstances({ now, backlog, current }, state, BASE);
      assert.equal(d.desired, expected, `at ${now}: ${d.reason}`);
      state = d.state;
    }
  });

  test('invalid settings are rejected', () => {
    assert.throws(() => validatePolicySettings({ ...BASE, minInstances: 3, maxInstances: 2 }), InvalidInputError);
    assert.throws(() => validatePolicySettings({ ...BASE, targetBacklogPerInstance: 0 }), InvalidInputError);
    assert.throws(() => validatePolicySettings({ ...BASE, tolerance: 1 }), InvalidInputError);
    assert.throws(() => validatePolicySettings({ ...BASE, idleWindowMs: -1 }), InvalidInputError);
    assert.throws(() => decideDesiredInstances({ now: 0, backlog: q(1), current: 0 }, INITIAL_POLICY_STATE, { ...BASE, minInstances: 0.5 }), InvalidInputError);
    validatePolicySettings(BASE);
  });
});
