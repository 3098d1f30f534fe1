/**
 * Holds launches back after instances fail to start (a worker whose model cannot load exits before it is
 * ready) or the backend refuses to launch (an EC2 quota is reached, no capacity for the type): without it the
 * controller would launch every tick, for good. The wait doubles with each such failure in a row, from BASE
 * to CEILING (the one backoff rule, src/domain/backoff.ts, taken whole: a wait, not a jittered retry). A ready
 * instance ends a wait after failed starts; a launch that goes through ends one after refusals (instances
 * already ready say nothing about a quota). Pure: the clock is passed in.
 */
import { backoffCapMs } from '../domain/backoff.js';

export const LAUNCH_BACKOFF_BASE_MS = 1000;
export const LAUNCH_BACKOFF_CEILING_MS = 60_000;

export interface LaunchBackoffStatus {
  /** Failed starts or refused launches in a row. */
  readonly failedStarts: number;
  /** Epoch milliseconds before which nothing is launched. */
  readonly nextLaunchAt: number;
  /** Why, in words: the last failed start or the backend's refusal and what to do about it. */
  readonly lastFailure: string;
}

export class LaunchBackoff {
  private failedStarts = 0;
  private nextLaunchAt = 0;
  private lastFailure = '';
  /** What ends the current wait early: an instance becoming ready, or a launch that goes through. */
  private endedBy: 'ready' | 'launch' = 'ready';

  constructor(
    private readonly baseMs = LAUNCH_BACKOFF_BASE_MS,
    private readonly ceilingMs = LAUNCH_BACKOFF_CEILING_MS,
  ) {}

  noteFailedStart(now: number, why: string): void {
    this.note(now, why, 'ready');
  }

  /** The backend refused to launch for lack of quota or capacity. */
  noteRefused(now: number, why: string): void {
    this.note(now, why, 'launch');
  }

  /** An instance became ready: starting works again. */
  noteReady(): void {
    if (this.endedBy === 'ready') this.reset();
  }

  /** A launch went through: the backend has room again. */
  noteLaunched(): void {
    if (this.endedBy === 'launch') this.reset();
  }

  /** Milliseconds launches are still held back at `now` (0: launch). */
  holdMs(now: number): number {
    return Math.max(0, this.nextLaunchAt - now);
  }

  status(): LaunchBackoffStatus | undefined {
    if (this.failedStarts === 0) return undefined;
    return { failedStarts: this.failedStarts, nextLaunchAt: this.nextLaunchAt, lastFailure: this.lastFailure };
  }

  private note(now: number, why: string, endedBy: 'ready' | 'launch'): void {
    this.failedStarts += 1;
    this.lastFailure = why;
    this.endedBy = endedBy;
    this.nextLaunchAt = now + backoffCapMs(this.failedStarts - 1, { baseMs: this.baseMs, maxMs: this.ceilingMs });
  }

  private reset(): void {
    this.failedStarts = 0;
    this.nextLaunchAt = 0;
  }
}
