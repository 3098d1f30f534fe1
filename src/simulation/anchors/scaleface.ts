/**
 * Our policy in the simulator: the live policy function itself (src/autoscaler/policy.ts, the module the
 * controller imports), fed the Observation the controller builds from the queue and the pool, with settings
 * derived the way the configuration derives them, from the latency target and the backend's timings.
 */
import { decideDesiredInstances, INITIAL_POLICY_STATE, type PolicySettings, type PolicyState } from '../../autoscaler/policy.js';
import { derivePolicySettings } from '../../autoscaler/policy-settings.js';
import type { ControllerView, SimPolicy } from '../engine.js';
import type { SimulationProfile } from '../profiles.js';

/** The function object the simulator calls: the very one src/autoscaler/controller.ts imports. */
export const SIMULATED_DECIDE = decideDesiredInstances;

export function scalefaceSettings(profile: SimulationProfile, serviceTimeMs: number): PolicySettings {
  return derivePolicySettings({
    minInstances: 0,
    maxInstances: profile.maxInstances,
    timings: profile.timings,
    latencyTargetMs: profile.sloS * 1000,
    serviceTimeMs,
  });
}

export class ScalefacePolicy implements SimPolicy {
  private state: PolicyState = INITIAL_POLICY_STATE;
  readonly reasons: string[] = [];

  constructor(
    private readonly settings: PolicySettings,
    private readonly depthLagS: number,
    private readonly keepReasons = false,
  ) {}

  decide(view: ControllerView): number {
    const now = view.now * 1000;
    const fleet = view.instances.map((i) => ({ ageMs: now - i.launchedAt * 1000, ready: i.ready, busy: i.busy ? 1 : 0 }));
    const backlog = view.depthAt(view.now - this.depthLagS);
    const decision = SIMULATED_DECIDE({ now, backlog, current: view.instances.length, fleet }, this.state, this.settings);
    this.state = decision.state;
    if (this.keepReasons) this.reasons.push(`${view.now.toFixed(1)} s: ${decision.reason}`);
    return decision.desired;
  }
}
