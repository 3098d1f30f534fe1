/**
 * The trace set: arrival times in seconds from 0, sorted, drawn from a seeded source. Each trace says what it
 * stands for; `bench` is derived from a recorded bench run (see bench-trace.ts).
 */
import { InvalidInputError } from '../domain/errors.js';
import { exponential, seededRandom, type Random } from './random.js';
import { benchTrace } from './bench-trace.js';
import type { BenchRecord } from './bench-record.js';
import type { Trace } from './trace.js';

export type { Trace };

function sorted(times: number[]): Float64Array {
  return Float64Array.from(times).sort();
}

/** Poisson arrivals at `rate(t)` per second on [from, to), by thinning under `peak`. */
function poisson(rate: (t: number) => number, peak: number, from: number, to: number, random: Random): number[] {
  const out: number[] = [];
  for (let t = from + exponential(peak, random); t < to; t += exponential(peak, random)) {
    if (random() * peak < rate(t)) out.push(t);
  }
  return out;
}

/** `count` bursts of `size()` requests landing at once, at random times at least `gap` s apart. */
function bursts(count: number, size: () => number, gap: number, span: number, random: Random): number[] {
  const out: number[] = [];
  const slack = span - count * gap;
  const offsets = Array.from({ length: count }, () => random() * slack).sort((a, b) => a - b);
  offsets.forEach((offset, i) => {
    const at = offset + i * gap;
    for (let n = size(); n > 0; n--) out.push(at);
  });
  return out;
}

type TraceMaker = (random: Random) => { description: string; times: number[] };

const MAKERS: Record<string, TraceMaker> = {
  course: () => ({ description: 'the course workload: 1000 requests at once', times: Array<number>(1000).fill(0) }),
  ramp: (r) => ({
    description: 'Poisson, rate rising 0 → 400/s over 10 min, 5 min at 400/s',
    times: poisson((t) => Math.min(400, (400 * t) / 600), 400, 0, 900, r),
  }),
  'poisson-20': (r) => ({ description: 'Poisson 20/s for 15 min (under one instance)', times: poisson(() => 20, 20, 0, 900, r) }),
  'poisson-100': (r) => ({ description: 'Poisson 100/s for 15 min', times: poisson(() => 100, 100, 0, 900, r) }),
  'poisson-400': (r) => ({ description: 'Poisson 400/s for 15 min', times: poisson(() => 400, 400, 0, 900, r) }),
  bursts: (r) => ({
    description: '8 bursts of 500-3000 requests at once within an hour, at least 4 min apart',
    times: bursts(8, () => 500 + Math.floor(r() * 2501), 240, 3600, r),
  }),
  'bursts-on-stream': (r) => ({
    description: 'Poisson 50/s for 30 min and 6 bursts of 500-2000 at once on top',
    times: [...poisson(() => 50, 50, 0, 1800, r), ...bursts(6, () => 500 + Math.floor(r() * 1501), 240, 1800, r)],
  }),
  diurnal: (r) => ({
    description: 'a day in an hour: Poisson, 5/s at night to 300/s at noon (raised cosine)',
    times: poisson((t) => 5 + 295 * (1 - Math.cos((2 * Math.PI * t) / 3600)) / 2, 300, 0, 3600, r),
  }),
};

export const TRACE_NAMES = [...Object.keys(MAKERS), 'bench'];

/**
 * One trace of the set, drawn with `seed` (each trace from its own stream, so one trace's draws don't move another's);
 * `bench` is rebuilt from `bench` when given, else from the recorded run (bench-record.ts).
 */
export async function makeTrace(name: string, seed: number, bench?: BenchRecord): Promise<Trace> {
  if (name === 'bench') return benchTrace(bench);
  const maker = MAKERS[name];
  if (maker === undefined) throw new InvalidInputError(`unknown trace ${name}; known: ${TRACE_NAMES.join(', ')}`);
  const salt = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const { description, times } = maker(seededRandom(seed ^ salt));
  return { name, description, arrivals: sorted(times) };
}
