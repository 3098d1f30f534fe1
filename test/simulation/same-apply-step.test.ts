/**
 * The simulator carries the policy's count out with the live controller's own apply step: driven on the same
 * observations (the fleet the simulator lists, the depth its policy read, the same clock), the controller on a
 * fake pool launches and terminates exactly what the simulator did, tick by tick.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoscalerController } from '../../src/autoscaler/controller.js';
import { planFleetChange } from '../../src/autoscaler/executor.js';
import { ScalefacePolicy, scalefaceSettings } from '../../src/simulation/anchors/scaleface.js';
import { drawServiceTimes } from '../../src/simulation/compare.js';
import { SIMULATED_PLAN, simulate, type Depth, type SimPolicy, type SimulationStep } from '../../src/simulation/engine.js';
import { PROFILES, SERVICE_TIME } from '../../src/simulation/profiles.js';
import { seededRandom } from '../../src/simulation/random.js';
import { makeTrace } from '../../src/simulation/traces.js';
import type { Instance, InstancePool } from '../../src/ports/instance-pool.js';
import type { Queue } from '../../src/ports/queue.js';

interface Recorded {
  readonly steps: SimulationStep[];
  /** The depth our policy read at each step (the profile's lag behind the true depth). */
  readonly seen: Depth[];
}

async function simulateOurs(traceName: string): Promise<Recorded> {
  const profile = PROFILES['stopped-fleet'];
  const trace = await makeTrace(traceName, 1);
  const ours = new ScalefacePolicy(scalefaceSettings(profile, SERVICE_TIME.median * 1000), profile.depthLagS);
  const seen: Depth[] = [];
  const policy: SimPolicy = {
    decide: (view) => {
      seen.push(view.depthAt(view.now - profile.depthLagS));
      return ours.decide(view);
    },
  };
  const steps: SimulationStep[] = [];
  const service = drawServiceTimes(trace.arrivals.length, 1);
  simulate({ trace, service, profile, policy, random: seededRandom(1 ^ 0xb007), onStep: (s) => steps.push(s) });
  return { steps, seen };
}

/** Whether a scale-in stopped something other than the newest idle instances: the billing minimum decided. */
function billingDecided(step: SimulationStep): boolean {
  const victims = step.plan.stops.map((s) => s.id);
  if (victims.length === 0) return false;
  const idle = step.instances.filter((i) => (i.state === 'pending' || i.state === 'running') && i.busy === 0);
  const newest = [...idle].sort((a, b) => b.launchedAt - a.launchedAt).slice(0, victims.length).map((i) => i.id);
  return victims.some((id) => !newest.includes(id));
}

describe('the simulator and the controller share the apply step', () => {
  test('the engine applies the executor plan the controller imports', () => {
    assert.equal(SIMULATED_PLAN, planFleetChange);
  });

  test('on the same observations the live controller launches and stops exactly what the simulator did', async () => {
    const { steps, seen } = await simulateOurs('bursts-on-stream');
    let listing: readonly Instance[] = [];
    let depth: Depth = { visible: 0, inFlight: 0 };
    let now = 0;
    const calls: { launched: number; terminated: string[] } = { launched: 0, terminated: [] };
    const pool: InstancePool = {
      list: async () => [...listing],
      launch: async (count) => {
        calls.launched += count;
        return [];
      },
      terminate: async (id) => void calls.terminated.push(id),
      close: async () => undefined,
    };
    const queue = { name: 'q', depth: async () => ({ ...depth, delayed: 0 }) } as unknown as Queue;
    const settings = scalefaceSettings(PROFILES['stopped-fleet'], SERVICE_TIME.median * 1000);
    const controller = new AutoscalerController({ queue, pool, settings, tickMs: 1000, now: () => now });
    for (const [k, step] of steps.entries()) {
      listing = step.instances;
      depth = seen[k]!;
      now = step.t * 1000;
      calls.launched = 0;
      calls.terminated = [];
      await controller.tick();
      const at = `t = ${step.t} s`;
      assert.equal(controller.status().desired, step.desired, `${at}: the same policy decision`);
      assert.equal(calls.launched, step.plan.launch, `${at}: launches`);
      assert.deepEqual(calls.terminated, step.plan.stops.map((s) => s.id), `${at}: stops`);
    }
    assert.ok(steps.some((s) => s.plan.launch > 0), 'the run launches');
    assert.ok(steps.some(billingDecided), 'some scale-in stopped an older instance past its billing minimum before a newer one');
  });
});
