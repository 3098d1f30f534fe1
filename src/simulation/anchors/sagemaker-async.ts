/**
 * Anchor: SageMaker asynchronous inference's documented autoscaling. Target tracking on
 * ApproximateBacklogSizePerInstance (queued + being processed, per instance; the swept knob, 5 in AWS's
 * example) with ScaleInCooldown 600 s and ScaleOutCooldown 300 s (a scale-out blocks scale-in for 300 s), min
 * capacity 0; and, to leave 0, the step policy on HasBacklogWithoutCapacity (alarm: average >= 1 for 2 of 2
 * one-minute periods) adding one instance, cooldown 300 s.
 */
import type { ControllerView, SimPolicy } from '../engine.js';
import { MinuteMetric, targetTrackingStep } from './cloudwatch.js';

export class SageMakerAsyncPolicy implements SimPolicy {
  private readonly perInstance = new MinuteMetric();
  private readonly backlog = new MinuteMetric();
  private readonly withoutCapacity = new MinuteMetric();
  private desired = 0;
  private lastScaleIn = -Infinity;
  private lastScaleOut = -Infinity;
  private lastStep = -Infinity;

  constructor(
    private readonly target: number,
    private readonly maxInstances: number,
    private readonly depthLagS: number,
  ) {}

  decide(view: ControllerView): number {
    const depth = view.depthAt(view.now - this.depthLagS);
    const total = depth.visible + depth.inFlight;
    const instances = view.instances.length;
    this.backlog.add(view.now, total);
    this.withoutCapacity.add(view.now, total > 0 && instances === 0 ? 1 : 0);
    if (!this.perInstance.add(view.now, instances > 0 ? total / instances : 0)) return this.desired;
    if (this.withoutCapacity.lastAll(2, (v) => v >= 1) && view.now - this.lastStep >= 300) {
      this.desired = Math.min(this.maxInstances, this.desired + 1);
      this.lastStep = view.now;
      this.lastScaleOut = view.now;
      return this.desired;
    }
    if (this.desired === 0) return 0;
    const rules = { target: this.target, maxInstances: this.maxInstances, scaleInCooldownS: 600, scaleOutBlocksScaleInS: 300 };
    const step = targetTrackingStep(this.desired, this.perInstance, this.backlog.last(), rules, { lastScaleIn: this.lastScaleIn, lastScaleOut: this.lastScaleOut, now: view.now });
    if (step.scaledIn) this.lastScaleIn = view.now;
    if (step.scaledOut) this.lastScaleOut = view.now;
    this.desired = step.desired;
    return this.desired;
  }
}
