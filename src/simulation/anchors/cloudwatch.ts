/**
 * What the AWS anchors share: one-minute CloudWatch datapoints (the average of the samples in each minute,
 * available when the minute ends; no publication delay is modelled, which favours the anchors), and the
 * target-tracking rule of EC2 Auto Scaling and Application Auto Scaling: capacity = ceil(metric total / target)
 * when the high alarm (3 of 3 datapoints above target) or the low alarm (15 of 15 below 0.9 × target) fires,
 * with cooldowns. Simplified: no instance warm-up accounting, the capacity computed from the metric's total.
 */
export class MinuteMetric {
  readonly datapoints: number[] = [];
  private sum = 0;
  private count = 0;
  private minuteEnd = 60;

  /** Adds a sample at `t` seconds; true when a minute closed before it (a new datapoint is out). */
  add(t: number, value: number): boolean {
    let closed = false;
    while (t >= this.minuteEnd) {
      this.datapoints.push(this.count > 0 ? this.sum / this.count : 0);
      this.sum = 0;
      this.count = 0;
      this.minuteEnd += 60;
      closed = true;
    }
    this.sum += value;
    this.count++;
    return closed;
  }

  /** True when each of the last `n` datapoints passes `test` (false with fewer than n). */
  lastAll(n: number, test: (v: number) => boolean): boolean {
    return this.datapoints.length >= n && this.datapoints.slice(-n).every(test);
  }

  last(): number {
    return this.datapoints.at(-1) ?? 0;
  }
}

export interface TargetTrackingRules {
  /** The metric's target value per instance (the knob that is swept). */
  readonly target: number;
  readonly maxInstances: number;
  /** Seconds after a scale-in before the next one. */
  readonly scaleInCooldownS: number;
  /** Seconds after a scale-out before a scale-in. */
  readonly scaleOutBlocksScaleInS: number;
}

/** One evaluation at a minute's end: the new desired capacity. `total` is the metric summed over instances. */
export function targetTrackingStep(
  desired: number,
  perInstance: MinuteMetric,
  total: number,
  rules: TargetTrackingRules,
  since: { lastScaleIn: number; lastScaleOut: number; now: number },
): { desired: number; scaledIn: boolean; scaledOut: boolean } {
  const wanted = Math.min(rules.maxInstances, Math.ceil(total / rules.target - 1e-9));
  if (perInstance.lastAll(3, (v) => v > rules.target) && wanted > desired) return { desired: wanted, scaledIn: false, scaledOut: true };
  const quiet = since.now - since.lastScaleIn >= rules.scaleInCooldownS && since.now - since.lastScaleOut >= rules.scaleOutBlocksScaleInS;
  if (perInstance.lastAll(15, (v) => v < 0.9 * rules.target) && wanted < desired && quiet) return { desired: wanted, scaledIn: true, scaledOut: false };
  return { desired, scaledIn: false, scaledOut: false };
}
