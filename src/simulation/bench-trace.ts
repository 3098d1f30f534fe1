/**
 * Traces from recorded runs. The bench records no per-request times, so `bench` rebuilds the arrivals of its
 * phases from a bench record (bench-record.ts: the recorded run compiled in, or a result file the caller names):
 * the cold request, the warm requests one after another, then the course workload at concurrency 100 (a closed loop: 100 at once, then one new request per answer, at the
 * measured end-to-end rate). `--replay FILE` reads arrival times, or the controller's decision log.
 */
import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../domain/errors.js';
import { benchRecordOf, RECORDED_BENCH, type BenchRecord } from './bench-record.js';
import type { Trace } from './trace.js';

/** The bench's arrivals rebuilt from `bench` (default: the recorded run compiled into bench-record.ts). */
export function benchTrace(bench: BenchRecord = RECORDED_BENCH): Trace {
  const { cold = 0, warm = 0, load = 0 } = bench.phases_s;
  const times = [cold];
  for (let k = 0; k < bench.warm_requests; k++) times.push(warm + (k * bench.warm_p50_ms) / 1000);
  for (let k = 0; k < bench.requests; k++) times.push(k < bench.concurrency ? load : load + (k - bench.concurrency + 1) / bench.end_to_end_img_per_s);
  return { name: 'bench', description: `arrivals rebuilt from ${bench.source}: cold, ${bench.warm_requests} warm, ${bench.requests} at concurrency ${bench.concurrency}`, arrivals: Float64Array.from(times).sort() };
}

/** A bench result file (`npm run bench`'s JSON) the caller names, as the record the bench trace is rebuilt from. */
export async function readBenchRecord(file: string): Promise<BenchRecord> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`${file}: not a bench result (${(error as Error).message})`, { cause: error });
  }
  return benchRecordOf(json, file);
}

interface DecisionLike {
  readonly at: number;
  readonly current: number;
  readonly backlog?: { readonly visible: number; readonly inFlight: number } | null;
}

/**
 * Arrivals between two decisions ≈ the backlog's change + what the instances of the earlier one completed
 * (current × Δt / service time, at most the earlier backlog), spread evenly over the interval.
 */
function arrivalsFromDecisions(records: readonly DecisionLike[], serviceS: number): number[] {
  const out: number[] = [];
  const t0 = records[0]?.at ?? 0;
  for (let i = 1; i < records.length; i++) {
    const [a, b] = [records[i - 1]!, records[i]!];
    const dtS = (b.at - a.at) / 1000;
    const total = (r: DecisionLike): number => (r.backlog ? r.backlog.visible + r.backlog.inFlight : 0);
    const done = Math.min(total(a), (a.current * dtS) / serviceS);
    const n = Math.max(0, Math.round(total(b) - total(a) + done));
    for (let k = 0; k < n; k++) out.push((a.at - t0) / 1000 + ((k + 1) * dtS) / (n + 1));
  }
  return out;
}

function numbersToSeconds(values: number[]): number[] {
  // Epoch milliseconds (a /metrics or log export) become seconds from the first.
  if (values.length > 0 && Math.min(...values) > 1e11) {
    const first = Math.min(...values);
    return values.map((v) => (v - first) / 1000);
  }
  return values;
}

/**
 * A recorded run: a JSON array of arrival times (seconds, or epoch ms), `{"arrivals_s": [...]}`, a text file
 * of one time per line, a JSON array of decision records (`at`, `current`, `backlog`), or `/v1/status` JSON
 * (its `recentDecisions`).
 */
export async function replayTrace(file: string, serviceS: number): Promise<Trace> {
  const text = await readFile(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text.split(/\s+/).filter((s) => s.length > 0).map(Number);
  }
  const object = parsed as { arrivals_s?: number[]; recentDecisions?: DecisionLike[] };
  const list = Array.isArray(parsed) ? (parsed as unknown[]) : (object.arrivals_s ?? object.recentDecisions);
  if (!Array.isArray(list)) throw new InvalidInputError(`${file}: expected arrival times or decision records`);
  const decisions = list.length > 0 && typeof list[0] === 'object';
  const times = decisions ? arrivalsFromDecisions(list as DecisionLike[], serviceS) : numbersToSeconds(list as number[]);
  if (times.some((t) => !Number.isFinite(t))) throw new InvalidInputError(`${file}: an arrival time is not a number`);
  const kind = decisions ? 'decision log (arrivals estimated from backlog changes)' : 'arrival times';
  return { name: `replay`, description: `${file}: ${kind}`, arrivals: Float64Array.from(times).sort() };
}
