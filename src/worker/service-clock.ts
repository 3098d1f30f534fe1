/**
 * What one answer cost its worker, as the autoscaler sizes by it (the policy's service time: one image on one
 * instance). A worker holding several messages overlaps one's I/O with another's inference, so an answer's own
 * duration overstates that cost; the time since the worker's previous answer is the cost once answers follow each
 * other. Each answer counts the smaller of the two: its own duration after a quiet spell, the spacing of answers
 * under load.
 */
export class ServiceClock {
  private lastAnswerAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Milliseconds (0.1 ms steps) the answer whose handling began at `startedAt` (this clock's now()) cost. */
  answered(startedAt: number): number {
    const at = this.now();
    const cost = Math.min(at - startedAt, at - this.lastAnswerAt);
    this.lastAnswerAt = at;
    return Math.max(0, Math.round(cost * 10) / 10);
  }

  /** Now, on this clock: when handling begins. */
  started(): number {
    return this.now();
  }
}
