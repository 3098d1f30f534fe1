/**
 * Holds launches back after instances fail to start (a worker whose model cannot load exits before it is
 * ready): without it the controller would launch a doomed worker every tick, for good. The wait doubles
 * with each failed start, from BASE to CEILING, and a ready instance ends it. Pure: the clock is passed in.
 */
export const LAUNCH_BACKOFF_BASE_MS = 1000;
export const LAUNCH_BACKOFF_CEILING_MS = 60_000;

export interface LaunchBackoffStatus {
  /** Failed starts in a row. */
  readonly failedStarts: number;
  /** Epoch milliseconds before which nothing is launched. */
  readonly nextLaunchAt: number;
  readonly lastFailure: string;
}

export class LaunchBackoff {
  private failedStarts = 0;
  private nextLaunchAt = 0;
  private lastFailure = '';

  constructor(
    private readonly baseMs = LAUNCH_BACKOFF_BASE_MS,
    private readonly ceilingMs = LAUNCH_BACKOFF_CEILING_MS,
  ) {}

  noteFailedStart(now: number, why: string): void {
    this.failedStarts += 1;
    this.lastFailure = why;
    this.nextLaunchAt = now + Math.min(this.ceilingMs, this.baseMs * 2 ** (this.failedStarts - 1));
  }

  /** An instance became ready: starting works again. */
  noteReady(): void {
    this.failedStarts = 0;
    this.nextLaunchAt = 0;
  }

  /** Milliseconds launches are still held back at `now` (0: launch). */
  holdMs(now: number): number {
    return Math.max(0, this.nextLaunchAt - now);
  }

  status(): LaunchBackoffStatus | undefined {
    if (this.failedStarts === 0) return undefined;
    return { failedStarts: this.failedStarts, nextLaunchAt: this.nextLaunchAt, lastFailure: this.lastFailure };
  }
}
