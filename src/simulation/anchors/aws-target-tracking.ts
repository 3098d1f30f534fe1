/**
 * Anchor: EC2 Auto Scaling target tracking on backlog per instance, as AWS's "Scaling based on Amazon SQS"
 * guidance sets it up: a custom metric ApproximateNumberOfMessagesVisible / InService instances, published each
 * minute, with target = acceptable latency / processing time per message (the swept knob). Target tracking
 * scales out on 3 high minutes and in on 15 low minutes, here with a 300 s scale-in cooldown. The metric is
 * undefined with no instance in service, so leaving 0 is a step policy, as AWS documents for scale from zero:
 * an alarm on ApproximateNumberOfMessagesVisible >= 1 for one minute adds one instance.
 */
import type { ControllerView, SimPolicy } from '../engine.js';
import { MinuteMetric, targetTrackingStep } from './cloudwatch.js';

export class AwsTargetTrackingPolicy implements SimPolicy {
  private readonly perInstance = new MinuteMetric();
  private readonly visible = new MinuteMetric();
  private desired = 0;
  private lastScaleIn = -Infinity;
  private lastScaleOut = -Infinity;

  constructor(
    private readonly target: number,
    private readonly maxInstances: number,
    private readonly depthLagS: number,
  ) {}

  decide(view: ControllerView): number {
    const depth = view.depthAt(view.now - this.depthLagS);
    const inService = view.instances.filter((i) => i.ready).length;
    this.visible.add(view.now, depth.visible);
    if (!this.perInstance.add(view.now, inService > 0 ? depth.visible / inService : 0)) return this.desired;
    if (this.desired === 0) {
      if (this.visible.last() >= 1) this.desired = 1;
      return this.desired;
    }
    const rules = { target: this.target, maxInstances: this.maxInstances, scaleInCooldownS: 300, scaleOutBlocksScaleInS: 0 };
    const step = targetTrackingStep(this.desired, this.perInstance, this.visible.last(), rules, { lastScaleIn: this.lastScaleIn, lastScaleOut: this.lastScaleOut, now: view.now });
    if (step.scaledIn) this.lastScaleIn = view.now;
    if (step.scaledOut) this.lastScaleOut = view.now;
    this.desired = step.desired;
    return this.desired;
  }
}
