/** The apply step's plan (pure) and its execution on a pool. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFleetPlan, planFleetChange, type ApplyReport, type PlanInput } from '../../src/autoscaler/executor.js';
import { LaunchBackoff } from '../../src/autoscaler/launch-backoff.js';
import { CapacityExceededError } from '../../src/domain/errors.js';
import type { Instance } from '../../src/ports/instance-pool.js';

const NOW = 1_000_000;

function inst(n: number, fields: Partial<Instance> = {}): Instance {
  return { id: `i-${n}`, name: `app-tier-instance-${n}`, state: 'running', launchedAt: NOW - 100_000, ready: true, busy: 0, ...fields };
}

function input(fields: Partial<PlanInput>): PlanInput {
  return { now: NOW, desired: 0, instances: [], unresponsive: [], maxInstances: 5, billingMinimumMs: 60_000, queueInFlight: 0, launchHoldMs: 0, ...fields };
}

const silent = (failures: string[] = []): ApplyReport => ({ info: () => undefined, error: () => undefined, fail: (what) => failures.push(what) });

describe('planFleetChange', () => {
  test('scale-in stops idle instances past their billing minimum first, then the newest; never a busy one', () => {
    const instances = [
      inst(1, { launchedAt: NOW - 120_000 }),
      inst(2, { launchedAt: NOW - 90_000, busy: 1 }),
      inst(3, { launchedAt: NOW - 10_000 }),
      inst(4, { launchedAt: NOW - 70_000 }),
    ];
    const plan = planFleetChange(input({ desired: 1, instances }));
    assert.equal(plan.current, 4);
    assert.equal(plan.scaleInWanted, 3);
    assert.deepEqual(plan.stops.map((s) => s.id), ['i-4', 'i-1', 'i-3'], 'past the minimum (newest first), then inside it');
    const two = planFleetChange(input({ desired: 2, instances }));
    assert.deepEqual(two.stops.map((s) => s.id), ['i-4', 'i-1']);
  });

  test('launches fill the room under the maximum, stopping instances included; the rest waits', () => {
    const instances = [inst(1), inst(2, { state: 'stopping' }), inst(3, { state: 'stopping' }), inst(4, { state: 'terminated' })];
    const plan = planFleetChange(input({ desired: 4, instances, maxInstances: 4 }));
    assert.equal(plan.current, 1);
    assert.equal(plan.launch, 1, 'three of four places are taken');
    assert.equal(plan.waitingForRoom, 2);
  });

  test('the launch backoff holds every launch', () => {
    const plan = planFleetChange(input({ desired: 3, launchHoldMs: 500 }));
    assert.equal(plan.launch, 0);
    assert.equal(plan.heldByBackoff, 3);
  });

  test('unresponsive instances are not counted, are stopped first, and are replaced', () => {
    const stuck = inst(1, { ready: false, launchedAt: NOW - 400_000 });
    const plan = planFleetChange(input({ desired: 2, instances: [stuck, inst(2)], unresponsive: [{ instance: stuck, reason: 'never ready' }] }));
    assert.equal(plan.current, 1);
    assert.deepEqual(plan.stops.map((s) => [s.id, s.kind]), [['i-1', 'unresponsive']]);
    assert.equal(plan.launch, 1, 'alive is 2 of 5: room for the replacement');
  });
});

describe('applyFleetPlan', () => {
  test('terminates what the plan names, and a launch refused for capacity backs launching off', async () => {
    const terminated: string[] = [];
    const failures: string[] = [];
    const backoff = new LaunchBackoff(1000, 8000);
    const pool = {
      launch: async (): Promise<Instance[]> => {
        throw new CapacityExceededError('InsufficientInstanceCapacity');
      },
      terminate: async (id: string) => void terminated.push(id),
    };
    const stuck = inst(1, { ready: false });
    const up = input({ desired: 2, instances: [stuck], unresponsive: [{ instance: stuck, reason: 'silent' }] });
    await applyFleetPlan(planFleetChange(up), up, 'test', { pool, backoff, now: () => NOW, report: silent(failures) });
    assert.deepEqual(terminated, ['i-1']);
    assert.deepEqual(failures, ['launching 2 instance(s) failed']);
    assert.equal(backoff.holdMs(NOW), 1000);
    const down = input({ desired: 0, instances: [inst(2), inst(3, { busy: 2 })] });
    await applyFleetPlan(planFleetChange(down), down, 'test', { pool, backoff, now: () => NOW, report: silent() });
    assert.deepEqual(terminated, ['i-1', 'i-2'], 'the busy one is left');
  });
});
