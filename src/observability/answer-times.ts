/**
 * The answer times of the recognitions this web process completed lately, for the dashboard's latency panel:
 * p50 and p95 over the last `windowMs`, next to the autoscaler's latency target (a p95 of arrival → answer).
 * Memory is a fixed ring of `capacity` answers; at more than capacity / window answers per second the
 * percentiles cover the newest `capacity` answers, a shorter span than the window.
 */

/**
 * 10 s: the dashboard samples once a second, and a one-second window would hold a handful of answers (or none
 * between two samples), too few for a p95; ten seconds hold enough at a few answers per second and still show a
 * burst within seconds of it, while the "1 min" view keeps six windows apart.
 */
export const ANSWER_WINDOW_MS = 10_000;
/** 4096 answers × 2 numbers: 64 KiB, the window's answers up to about 400 per second. */
const DEFAULT_CAPACITY = 4096;

export interface AnswerPercentiles {
  /** Median answer time in ms; null when nothing was answered within the window. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  /** Answers the percentiles are taken over. */
  readonly count: number;
}

export class RecentAnswerTimes {
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly at: Float64Array;
  private readonly ms: Float64Array;
  /** Where the next answer goes. */
  private next = 0;
  private filled = 0;

  constructor(options: { capacity?: number; windowMs?: number } = {}) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.windowMs = options.windowMs ?? ANSWER_WINDOW_MS;
    this.at = new Float64Array(this.capacity);
    this.ms = new Float64Array(this.capacity);
  }

  /** Answers held (at most the capacity). */
  get size(): number {
    return this.filled;
  }

  /** One answer, `ms` after its request arrived, completed at epoch ms `at`. */
  record(at: number, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.at[this.next] = at;
    this.ms[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.filled = Math.min(this.capacity, this.filled + 1);
  }

  /** Nearest-rank p50 and p95 of the answers completed within the window before `now`. */
  percentiles(now: number): AnswerPercentiles {
    const recent: number[] = [];
    for (let i = 0; i < this.filled; i += 1) if (this.at[i]! > now - this.windowMs) recent.push(this.ms[i]!);
    if (recent.length === 0) return { p50Ms: null, p95Ms: null, count: 0 };
    recent.sort((a, b) => a - b);
    const rank = (p: number) => Math.round(recent[Math.max(0, Math.ceil(p * recent.length) - 1)]!);
    return { p50Ms: rank(0.5), p95Ms: rank(0.95), count: recent.length };
  }
}
