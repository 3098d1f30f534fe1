/**
 * Anchor: KEDA's aws-sqs-queue scaler driving a Kubernetes HPA, with the documented defaults. KEDA polls the
 * queue every 30 s (pollingInterval) for ApproximateNumberOfMessages + NotVisible (scaleOnInFlight); above
 * activationQueueLength (0) it activates the workload, 0 → 1, and after cooldownPeriod (300 s) with nothing
 * above activation it returns it to 0. While active, the HPA (sync every 15 s) targets an AverageValue of
 * queueLength (default 5; the swept knob) per replica: desired = ceil(queue / queueLength), kept when within
 * the 0.1 tolerance of current; scale-up limited per sync to max(2 × current, current + 4); scale-down to the
 * largest recommendation of the last 300 s (the stabilization window). Simplified: the HPA reads the queue at
 * its sync (the scaler is queried then), min replicas 1 while active.
 */
import type { ControllerView, SimPolicy } from '../engine.js';

const POLLING_S = 30;
const HPA_SYNC_S = 15;
const COOLDOWN_S = 300;
const STABILIZATION_S = 300;
const TOLERANCE = 0.1;

export class KedaHpaPolicy implements SimPolicy {
  private desired = 0;
  private lastActiveAt = -Infinity;
  private nextPoll = 0;
  private nextSync = 0;
  private recommendations: { at: number; count: number }[] = [];

  constructor(
    private readonly queueLength: number,
    private readonly maxInstances: number,
    private readonly depthLagS: number,
  ) {}

  private queue(view: ControllerView): number {
    const depth = view.depthAt(view.now - this.depthLagS);
    return depth.visible + depth.inFlight;
  }

  decide(view: ControllerView): number {
    if (view.now >= this.nextPoll) {
      this.nextPoll += POLLING_S;
      if (this.queue(view) > 0) this.lastActiveAt = view.now;
      if (this.desired === 0 && this.lastActiveAt === view.now) this.desired = 1;
      else if (this.desired > 0 && view.now - this.lastActiveAt >= COOLDOWN_S) this.desired = 0;
    }
    if (view.now >= this.nextSync) {
      this.nextSync += HPA_SYNC_S;
      if (this.desired > 0) this.desired = this.hpaSync(view);
    }
    return this.desired;
  }

  private hpaSync(view: ControllerView): number {
    const current = Math.max(1, view.instances.length);
    const queue = this.queue(view);
    const ratio = queue / (this.queueLength * current);
    const raw = Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(queue / this.queueLength - 1e-9);
    const recommended = Math.max(1, Math.min(this.maxInstances, raw));
    this.recommendations = this.recommendations.filter((r) => view.now - r.at < STABILIZATION_S);
    this.recommendations.push({ at: view.now, count: recommended });
    if (recommended > current) return Math.min(recommended, Math.max(2 * current, current + 4));
    return Math.min(current, Math.max(...this.recommendations.map((r) => r.count)));
  }
}
