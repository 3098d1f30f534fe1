import { randomUUID } from 'node:crypto';
import { settingLabel } from '../config/index.js';
import { DEFAULT_COLLECTION } from '../domain/collections.js';
import { TooManyJobsError } from '../domain/errors.js';

/**
 * queued: accepted, not yet handed to the app tier (the image is being stored, or waits behind an
 * upload with the same file name); running: on the request queue or on a worker; then succeeded or failed.
 */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Job<Result> {
  readonly id: string;
  readonly file: string;
  status: JobStatus;
  readonly createdAt: number;
  /** The collection whose gallery answers it; absent: the default collection (and records older than collections). */
  readonly collection?: string;
  finishedAt?: number;
  result?: Result;
  error?: { code: string; message: string };
}

/** Bounds of the in-memory job table behind `/v1/jobs` (config `web.maxJobs`, `web.jobTtlMs`). */
export interface JobLimits {
  /** Jobs kept at once; the oldest finished ones are dropped first. */
  readonly maxJobs: number;
  /** How long a finished job stays readable. */
  readonly ttlMs: number;
}

export { TooManyJobsError };

/**
 * The jobs of one web-tier process, in memory only (a restart forgets them): at most `maxJobs` at once;
 * a finished job is readable for `ttlMs` after it finished; when the table is full the oldest finished
 * job is dropped, and when every job is still unfinished a new one is refused.
 */
export class JobStore<Result> {
  private readonly jobs = new Map<string, Job<Result>>();

  constructor(private readonly limits: JobLimits, private readonly now: () => number = Date.now) {}

  get size(): number {
    this.expire();
    return this.jobs.size;
  }

  /** Jobs accepted but not yet on the request queue. */
  get unsubmitted(): number {
    let count = 0;
    for (const job of this.jobs.values()) if (job.status === 'queued') count += 1;
    return count;
  }

  create(file: string, collection: string = DEFAULT_COLLECTION): Job<Result> {
    this.expire();
    if (this.jobs.size >= this.limits.maxJobs && !this.dropOldestFinished()) {
      throw new TooManyJobsError(`${this.limits.maxJobs} jobs are still unfinished (the limit ${settingLabel(['web', 'maxJobs'])}); try again later`);
    }
    const named = collection === DEFAULT_COLLECTION ? {} : { collection };
    const job: Job<Result> = { id: randomUUID(), file, status: 'queued', createdAt: this.now(), ...named };
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): Job<Result> | undefined {
    this.expire();
    return this.jobs.get(id);
  }

  /** Newest first. */
  list(): Job<Result>[] {
    this.expire();
    return [...this.jobs.values()].reverse();
  }

  markRunning(job: Job<Result>): void {
    if (job.status === 'queued') job.status = 'running';
  }

  succeed(job: Job<Result>, result: Result): void {
    Object.assign(job, { status: 'succeeded', result, finishedAt: this.now() });
  }

  fail(job: Job<Result>, error: { code: string; message: string }): void {
    Object.assign(job, { status: 'failed', error, finishedAt: this.now() });
  }

  private expire(): void {
    const cutoff = this.now() - this.limits.ttlMs;
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== undefined && job.finishedAt <= cutoff) this.jobs.delete(id);
    }
  }

  /** Map order is insertion order, so the first finished job found is the oldest. */
  private dropOldestFinished(): boolean {
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== undefined) {
        this.jobs.delete(id);
        return true;
      }
    }
    return false;
  }
}
