/**
 * How fast the app tier answers this web process: answers per second over the last WINDOW_MS, counted from
 * the first answer after the last moment nothing was waiting. A burst after a quiet spell is measured from its
 * start, not diluted by the quiet; and an app tier starting from zero is measured from its first answer, not
 * judged by its boot (the seconds a worker spends loading its model say nothing of how fast it then answers).
 * Undefined until there is something to go by: fewer than two answers, or less than MIN_SPAN_MS between the
 * first of them and now; the caller then assumes the configured capacity.
 */
const WINDOW_MS = 10_000;
const MIN_SPAN_MS = 2_000;

export class AnswerRate {
  /** Times of the answers of the last WINDOW_MS, oldest first, from `first` on. */
  private times: number[] = [];
  private first = 0;
  private busySince: number;

  constructor(private readonly now: () => number = Date.now) {
    this.busySince = now();
  }

  /** Nothing is waiting now: the next busy spell is measured from here. */
  idle(): void {
    this.busySince = this.now();
  }

  observe(): void {
    this.times.push(this.now());
    this.trim();
  }

  /** Answers per second, or undefined while there is nothing to go by. */
  measured(): number | undefined {
    this.trim();
    const now = this.now();
    const since = Math.max(now - WINDOW_MS, this.busySince);
    let count = 0;
    let firstAnswer = now;
    for (let i = this.times.length - 1; i >= this.first && this.times[i]! >= since; i--) {
      count += 1;
      firstAnswer = this.times[i]!;
    }
    if (count < 2 || now - firstAnswer < MIN_SPAN_MS) return undefined;
    // Intervals after the first answer: a stall since the last answer lowers the rate as time passes.
    return (count - 1) / ((now - firstAnswer) / 1000);
  }

  private trim(): void {
    const cutoff = this.now() - WINDOW_MS;
    while (this.first < this.times.length && this.times[this.first]! < cutoff) this.first += 1;
    // Compact now and then, so the array does not grow with the answers of the whole run.
    if (this.first > 1024 && this.first * 2 > this.times.length) {
      this.times = this.times.slice(this.first);
      this.first = 0;
    }
  }
}
