/**
 * A seeded pseudo-random source (mulberry32: 32-bit state, fast, good enough for traces and service times),
 * so that one seed gives one run, on every machine; and the few distributions the simulator draws from.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller); every log-normal draw takes one (the lower bound reads the same stream). */
export function normal(random: Random): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A positive duration: median × e^(σ·N(0,1)); σ 0 gives the median every time. */
export interface LogNormal {
  readonly median: number;
  readonly sigma: number;
}

export function drawLogNormal(d: LogNormal, random: Random): number {
  return d.sigma === 0 ? d.median : d.median * Math.exp(d.sigma * normal(random));
}

/** The p-th quantile (0..1) of a log-normal. */
export function logNormalQuantile(d: LogNormal, p: number): number {
  // Acklam-free shortcut for the few quantiles we use.
  const z: Record<string, number> = { '0.5': 0, '0.9': 1.2816, '0.95': 1.6449, '0.99': 2.3263 };
  return d.median * Math.exp(d.sigma * (z[String(p)] ?? 0));
}

export function exponential(ratePerS: number, random: Random): number {
  return -Math.log(1 - random()) / ratePerS;
}
