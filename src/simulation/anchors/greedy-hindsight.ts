/**
 * Greedy hindsight: a schedule made knowing every arrival and every service time in advance. Each
 * request, in arrival order, goes to the instance that can still answer it within the latency target and
 * would otherwise sit idle the shortest (best fit: work packed on few instances); when none can, an instance
 * is launched one boot time (the median) earlier so that it is ready exactly at the arrival. An instance
 * whose next work is further than a boot plus a shutdown from the later of its last work and the end of its
 * paid minimum is stopped then, and a new one launched in time instead. Billing as for every policy: launch to stopped,
 * at least the minimum. Every request meets the target (not only 95 %), and the packing is greedy: a reference
 * point, not a bound (online policies beat it on some traces; the bound is lower-bound.ts).
 */
import type { SimulationProfile } from '../profiles.js';
import { logNormalQuantile } from '../random.js';
import type { Trace } from '../traces.js';

interface Planned {
  launchedAt: number;
  freeAt: number;
}

export interface GreedyHindsightResult {
  readonly latencies: Float64Array;
  readonly instanceSeconds: number;
  readonly launches: number;
}

export function greedyHindsightSchedule(trace: Trace, service: Float64Array, profile: SimulationProfile): GreedyHindsightResult {
  const boot = logNormalQuantile(profile.boot, 0.5);
  const shutdown = logNormalQuantile(profile.shutdown, 0.5);
  const { arrivals } = trace;
  const latencies = new Float64Array(arrivals.length);
  const live: Planned[] = [];
  let billed = 0;
  let launches = 0;
  const close = (p: Planned): number => Math.max(profile.billingMinimumS, p.freeAt + shutdown - p.launchedAt);
  for (let i = 0; i < arrivals.length; i++) {
    const a = arrivals[i]!;
    const work = service[i]!;
    // Stop instances that would idle longer than a relaunch costs, counted from the end of their paid minimum.
    for (let k = live.length - 1; k >= 0; k--) {
      const p = live[k]!;
      const paidUntil = Math.max(p.freeAt, p.launchedAt + profile.billingMinimumS - shutdown);
      if (a - paidUntil > boot + shutdown) {
        billed += close(p);
        live.splice(k, 1);
      }
    }
    let best: Planned | undefined;
    for (const p of live) {
      const start = Math.max(a, p.freeAt);
      if (start + work - a <= profile.sloS && (best === undefined || p.freeAt > best.freeAt)) best = p;
    }
    if (best === undefined) {
      best = { launchedAt: a - boot, freeAt: a };
      live.push(best);
      launches++;
    }
    const start = Math.max(a, best.freeAt);
    best.freeAt = start + work;
    latencies[i] = best.freeAt - a;
  }
  for (const p of live) billed += close(p);
  return { latencies, instanceSeconds: billed, launches };
}
