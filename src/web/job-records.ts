/**
 * Jobs written through to the object store (`jobs/<id>.json` in the control bucket), so that
 * `GET /v1/jobs/{id}` answers from any web-tier process and after a restart, not only from the memory of
 * the process that accepted the job. A job whose process stopped (or died) before the answer came is
 * completed from the output bucket, where the worker stored the label anyway, and that completion is
 * written back. A finished record expires `ttlMs` after it was last written; an unfinished one is kept
 * while its request may still be on the queue (UNFINISHED_TTL_MS). The web tier sweeps them (sweep below).
 */
import { NotFoundError } from '../domain/errors.js';
import { stemOf } from '../domain/messages.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Job } from './job-store.js';
import type { RecognitionOutcome } from './recognize-upload.js';

/** Where job records live in the control bucket. */
export const JOB_RECORDS_PREFIX = 'jobs/';
const JOB_ID = /^[0-9a-f-]{36}$/;
/** An unfinished job is kept this long: the request queue's retention on AWS (deploy/stack.ts: 14 days). */
export const UNFINISHED_TTL_MS = 14 * 24 * 3600_000;

export interface JobRecordsOptions {
  readonly store: ObjectStore;
  /** The control bucket. */
  readonly bucket: string;
  /** The output bucket, where a label stands once a worker answered. */
  readonly outputBucket: string;
  /** How long a finished record stays readable after its last write (after the job finished). */
  readonly ttlMs: number;
  readonly now?: () => number;
}

function finished(job: Job<RecognitionOutcome>): boolean {
  return job.status === 'succeeded' || job.status === 'failed';
}

export class JobRecords {
  private readonly now: () => number;
  /** Writes not yet done: a closing web tier waits for them (flush). */
  private readonly writes = new Set<Promise<void>>();

  constructor(private readonly options: JobRecordsOptions) {
    this.now = options.now ?? Date.now;
  }

  save(job: Job<RecognitionOutcome>): Promise<void> {
    const { store, bucket } = this.options;
    const write = store.put(bucket, keyOf(job.id), Buffer.from(JSON.stringify(job)), { contentType: 'application/json' });
    this.writes.add(write);
    void write.catch(() => undefined).finally(() => this.writes.delete(write));
    return write;
  }

  /** Resolves once every write started so far (and those they led to) has ended, whatever its outcome. */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  /**
   * The job as last written, completed from the output bucket when it is unfinished and a label stands there;
   * undefined when unknown or expired (an expired record is deleted).
   */
  async load(id: string): Promise<Job<RecognitionOutcome> | undefined> {
    if (!JOB_ID.test(id)) return undefined;
    const { store, bucket } = this.options;
    const info = await store.head(bucket, keyOf(id));
    if (info === undefined) return undefined;
    const job = await this.read(id);
    if (job === undefined) return undefined;
    const age = this.now() - info.modifiedAt;
    if (finished(job)) return age > this.options.ttlMs ? this.forget(id) : job;
    const completed = await this.completeFromOutput(job);
    if (completed !== undefined) {
      await this.save(completed);
      return completed;
    }
    return age > UNFINISHED_TTL_MS ? this.forget(id) : job;
  }

  /**
   * Deletes the expired records; an unfinished one older than the time to live is first completed from the
   * output bucket (and so kept for another `ttlMs`). Returns how many were deleted.
   */
  async sweep(): Promise<number> {
    const { store, bucket, ttlMs } = this.options;
    const old = (await store.list(bucket, JOB_RECORDS_PREFIX)).filter((info) => info.modifiedAt < this.now() - ttlMs);
    let deleted = 0;
    for (const info of old) {
      const id = info.key.slice(JOB_RECORDS_PREFIX.length).replace(/\.json$/, '');
      if (!JOB_ID.test(id)) continue;
      if ((await this.load(id)) === undefined) deleted += 1;
    }
    return deleted;
  }

  private async read(id: string): Promise<Job<RecognitionOutcome> | undefined> {
    try {
      return JSON.parse((await this.options.store.get(this.options.bucket, keyOf(id))).toString('utf8')) as Job<RecognitionOutcome>;
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  private async forget(id: string): Promise<undefined> {
    await this.options.store.delete(this.options.bucket, keyOf(id));
    return undefined;
  }

  /**
   * A label written to the output bucket since the job was created is this job's answer. The output bucket
   * holds the top label only: faces, labels and boxes travel in the worker's reply, so a job completed from
   * the bucket has them empty, and model, worker and inference time null.
   */
  private async completeFromOutput(job: Job<RecognitionOutcome>): Promise<Job<RecognitionOutcome> | undefined> {
    const { store, outputBucket } = this.options;
    const stem = stemOf(job.file);
    const info = await store.head(outputBucket, stem);
    // S3 keeps LastModified in whole seconds: a label written in the second the job was created counts.
    if (info === undefined || info.modifiedAt < Math.floor(job.createdAt / 1000) * 1000) return undefined;
    const label = (await store.get(outputBucket, stem)).toString('utf8');
    const result: RecognitionOutcome = { file: job.file, label, faces: [], labels: [], boxes: [], model: null, inferenceMs: null, worker: null };
    return { ...job, status: 'succeeded', finishedAt: Math.max(info.modifiedAt, job.createdAt), result };
  }
}

function keyOf(id: string): string {
  return `${JOB_RECORDS_PREFIX}${id}.json`;
}
