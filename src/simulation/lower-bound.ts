/**
 * A lower bound on the instance-seconds of every policy that meets the latency target on a trace in this
 * simulator: no policy, knowing the future or not, bills less. The argument (docs/autoscaling.md, "The lower bound"):
 *
 * Every instance i of a run is ready for some time r_i (from the end of its boot to its stop) and is billed
 * c_i ≥ max(B, b + r_i): B the billing minimum, b its boot draw, at least the floor below (a stopped one pays its
 * shutdown too; one running at the end of the run does not). A request answered within the target T was served inside its window [a, a + T]. Take windows W_j (each
 * [a_j, a_j + e + T] for the requests arriving in [a_j, a_j + e], no request in two of them) and numbers α ∈ [0, 1],
 * ν ≥ 0 such that, for every ready interval of length L touching t of the windows,
 *     α·L + ν·t ≤ max(B, b + L).                                                                        (1)
 * Then Σ c_i ≥ Σ (α·r_i + ν·t_i) = α·Σ r_i + ν·Σ_j (instances touching W_j). An instance serves one request at a
 * time, so Σ r_i ≥ the work of the answered requests; the answered requests of W_j are served inside W_j by
 * instances touching it, each for at most |W_j| (from the earliest ready time on), so at least
 * N_j = ⌈work_j / |W_j|⌉ instances touch it. A policy meets the target when at least ⌈0.95·n⌉ requests are
 * answered within it, so up to q = n − ⌈0.95·n⌉ may be left out: the answered work is at least the total less the
 * q longest services, and the N_j are taken at the worst choice of the q (an exact knapsack over the windows).
 * Condition (1) is checked exactly: with the windows in order, an interval touching windows j..k is at least
 * the gap between them long, and max(B, b + L) − α·L falls until L = B − b and rises after it. Any choice
 * gives a valid bound; the largest over a grid of α, window spans and thresholds is reported.
 *
 * Boot and shutdown floors: the simulator draws both from one seeded stream, one normal per draw, and a run
 * launches at most maxInstances per tick and stops only what it launched, so it takes at most
 * 2 · maxInstances · ticks draws: the smallest of that many normals from the same stream bounds every draw of every policy.
 */
import type { SimulationProfile } from './profiles.js';
import { normal, type LogNormal, type Random } from './random.js';
import type { Trace } from './traces.js';

export interface LowerBound {
  readonly instanceSeconds: number;
  /** Requests the bound lets miss the target: as many as a policy may and still meet it (p95). */
  readonly allowedMisses: number;
  /** The certificate: price per ready second, per instance touching a window, the instances the windows need. */
  readonly alpha: number;
  readonly perInstance: number;
  readonly instancesNeeded: number;
  readonly bootFloorS: number;
  readonly shutdownFloorS: number;
}

interface Candidate {
  readonly start: number;
  readonly end: number;
  /** The requests anchored in it: arrival indices [from, to). */
  readonly from: number;
  readonly to: number;
  /** Ready seconds one instance can give it: from the earliest ready time on. */
  readonly capacity: number;
  readonly needed: number;
}

interface Window extends Candidate {
  /** Services of its requests, longest first. */
  readonly services: Float64Array;
}

interface Floors {
  readonly bootS: number;
  readonly shutdownS: number;
}

/** Requests a run may leave over the target and still have its p95 within it. */
export function allowedMissesAtP95(requests: number): number {
  return requests - Math.ceil(0.95 * requests);
}

function drawFloors(profile: SimulationProfile, draws: Random, ticks: number): Floors {
  let z = 0;
  for (let k = 2 * profile.maxInstances * ticks; k > 0; k--) z = Math.min(z, normal(draws));
  const floor = (d: LogNormal): number => (d.sigma === 0 ? d.median : d.median * Math.exp(d.sigma * z));
  return { bootS: floor(profile.boot), shutdownS: floor(profile.shutdown) };
}

function longestFirst(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort().reverse();
}

/** Candidate windows, one per distinct arrival time: the requests of [a, a + span], served in [a, a + span + T]. */
function candidateWindows(arrivals: Float64Array, prefix: Float64Array, span: number, sloS: number, readyFrom: number): Candidate[] {
  const out: Candidate[] = [];
  let last = 0;
  for (let i = 0; i < arrivals.length; i++) {
    if (i > 0 && arrivals[i] === arrivals[i - 1]) continue;
    const start = arrivals[i]!;
    last = Math.max(last, i);
    while (last + 1 < arrivals.length && arrivals[last + 1]! <= start + span) last++;
    const end = start + span + sloS;
    const capacity = end - Math.max(start, readyFrom);
    if (capacity <= 0) continue;
    const work = prefix[last + 1]! - prefix[i]!;
    out.push({ start, end, from: i, to: last + 1, capacity, needed: Math.ceil(work / capacity - 1e-9) });
  }
  return out;
}

/** The disjoint windows with the most instances needed in total (weighted interval scheduling). */
function disjointWindows(candidates: Candidate[], minNeeded: number): Candidate[] {
  const c = candidates.filter((w) => w.needed >= minNeeded);
  const best = new Float64Array(c.length + 1);
  const previous = new Int32Array(c.length);
  const ends = c.map((w) => w.end);
  for (let k = 0; k < c.length; k++) {
    let lo = 0;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < c[k]!.start) lo = mid + 1;
      else hi = mid;
    }
    previous[k] = lo; // windows 0..lo-1 end before this one starts (ends ascend with starts)
    best[k + 1] = Math.max(best[k]!, best[lo]! + c[k]!.needed);
  }
  const chosen: Candidate[] = [];
  for (let k = c.length; k > 0; ) {
    if (best[k] === best[k - 1]) k--;
    else {
      chosen.push(c[k - 1]!);
      k = previous[k - 1]!;
    }
  }
  return chosen.reverse();
}

/** Fewest instances the windows need when the q worst requests are left out (exact group knapsack). */
function neededAfterMisses(windows: readonly Window[], allowedMisses: number): number {
  const total = windows.reduce((sum, w) => sum + w.needed, 0);
  if (allowedMisses === 0 || windows.length === 0) return total;
  let saved = new Int32Array(allowedMisses + 1);
  for (const w of windows) {
    const next = Int32Array.from(saved);
    let dropped = 0;
    let work = w.services.reduce((sum, s) => sum + s, 0);
    for (let fewer = 1; fewer <= w.needed; fewer++) {
      while (dropped < w.services.length && work > (w.needed - fewer) * w.capacity + 1e-9) work -= w.services[dropped++]!;
      if (dropped > allowedMisses) break;
      for (let b = allowedMisses; b >= dropped; b--) next[b] = Math.max(next[b]!, saved[b - dropped]! + fewer);
    }
    saved = next;
  }
  return total - saved[allowedMisses]!;
}

/** The largest ν for which (1) holds, for this α. */
function largestPerInstance(windows: readonly Window[], alpha: number, profile: SimulationProfile, floors: Floors): number {
  // No shutdown term: an instance still running when the run ends is billed to the end, without one.
  const fixed = floors.bootS;
  const cheapest = Math.max(0, profile.billingMinimumS - fixed);
  const slack = (length: number): number => {
    const l = Math.max(length, cheapest);
    return Math.max(profile.billingMinimumS, fixed + l) - alpha * l;
  };
  let nu = Infinity;
  for (let j = 0; j < windows.length; j++) {
    for (let k = j; k < windows.length; k++) nu = Math.min(nu, slack(Math.max(0, windows[k]!.start - windows[j]!.end)) / (k - j + 1));
  }
  return nu;
}

const MAX_WINDOWS = 600;
const ALPHAS = Array.from({ length: 21 }, (_, k) => k / 20);

function withServices(windows: Candidate[], service: Float64Array): Window[] {
  const kept = windows.length <= MAX_WINDOWS ? windows : [...windows].sort((a, b) => b.needed - a.needed).slice(0, MAX_WINDOWS).sort((a, b) => a.start - b.start);
  return kept.map((w) => ({ ...w, services: longestFirst(service.subarray(w.from, w.to)) }));
}

/** The bound for a trace: see the argument above. `draws` is a fresh copy of the simulator's boot and shutdown stream. */
export function lowerBound(trace: Trace, service: Float64Array, profile: SimulationProfile, draws: Random, tailS = 3600): LowerBound {
  const { arrivals } = trace;
  const n = arrivals.length;
  const allowedMisses = allowedMissesAtP95(n);
  const horizon = (n > 0 ? arrivals[n - 1]! : 0) + tailS;
  const floors = drawFloors(profile, draws, Math.floor(horizon / profile.tickS) + 1);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + service[i]!;
  const longest = longestFirst(service);
  const answeredWork = prefix[n]! - longest.subarray(0, allowedMisses).reduce((sum, s) => sum + s, 0);
  let best: LowerBound = { instanceSeconds: answeredWork, allowedMisses, alpha: 1, perInstance: 0, instancesNeeded: 0, bootFloorS: floors.bootS, shutdownFloorS: floors.shutdownS };
  for (const span of [0, profile.tickS, profile.sloS / 4]) {
    const candidates = candidateWindows(arrivals, prefix, span, profile.sloS, floors.bootS);
    for (const minNeeded of [1, 2, 4]) {
      const windows = withServices(disjointWindows(candidates, minNeeded), service);
      const needed = neededAfterMisses(windows, allowedMisses);
      if (needed === 0) continue;
      for (const alpha of ALPHAS) {
        const perInstance = largestPerInstance(windows, alpha, profile, floors);
        const value = alpha * answeredWork + perInstance * needed;
        if (value > best.instanceSeconds) best = { ...best, instanceSeconds: value, alpha, perInstance, instancesNeeded: needed };
      }
    }
  }
  return best;
}
