/**
 * Jobs written through to the object store (`jobs/<id>.json` in the control bucket), so that
 * `GET /v1/jobs/{id}` answers from any web-tier process and after a restart, not only from the memory of
 * the process that accepted the job. A job whose process died before the answer came is completed from
 * the output bucket, where the worker stored the label anyway. Records expire `ttlMs` after they were
 * last written; the web tier sweeps them (sweepExpired in src/system/retention.ts).
 */
import { NotFoundError } from '../domain/errors.js';
import { stemOf } from '../domain/messages.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Job } from './job-store.js';
import type { RecognitionOutcome } from './recognize-upload.js';

/** Where job records live in the control bucket. */
export const JOB_RECORDS_PREFIX = 'jobs/';
const JOB_ID = /^[0-9a-f-]{36}$/;

export interface JobRecordsOptions {
  readonly store: ObjectStore;
  /** The control bucket. */
  readonly bucket: string;
  /** The output bucket, where a label stands once a worker answered. */
  readonly outputBucket: string;
  /** How long a record stays readable after its last write (a finished job: after it finished). */
  readonly ttlMs: number;
  readonly now?: () => number;
}

export class JobRecords {
  private readonly now: () => number;

  constructor(private readonly options: JobRecordsOptions) {
    this.now = options.now ?? Date.now;
  }

  async save(job: Job<RecognitionOutcome>): Promise<void> {
    const { store, bucket } = this.options;
    await store.put(bucket, `${JOB_RECORDS_PREFIX}${job.id}.json`, Buffer.from(JSON.stringify(job)), { contentType: 'application/json' });
  }

  /** The job as last written, completed from the output bucket when its web process is gone; undefined when unknown or expired. */
  async load(id: string): Promise<Job<RecognitionOutcome> | undefined> {
    if (!JOB_ID.test(id)) return undefined;
    const { store, bucket } = this.options;
    const key = `${JOB_RECORDS_PREFIX}${id}.json`;
    const info = await store.head(bucket, key);
    if (info === undefined) return undefined;
    if (info.modifiedAt + this.options.ttlMs < this.now()) {
      await store.delete(bucket, key);
      return undefined;
    }
    let job: Job<RecognitionOutcome>;
    try {
      job = JSON.parse((await store.get(bucket, key)).toString('utf8')) as Job<RecognitionOutcome>;
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof SyntaxError) return undefined;
      throw error;
    }
    return job.status === 'queued' || job.status === 'running' ? this.completeFromOutput(job) : job;
  }

  /** A label written to the output bucket after the job was created is this job's answer (without face boxes). */
  private async completeFromOutput(job: Job<RecognitionOutcome>): Promise<Job<RecognitionOutcome>> {
    const { store, outputBucket } = this.options;
    const stem = stemOf(job.file);
    const info = await store.head(outputBucket, stem);
    if (info === undefined || info.modifiedAt < job.createdAt) return job;
    const label = (await store.get(outputBucket, stem)).toString('utf8');
    const result: RecognitionOutcome = { file: job.file, label, faces: [], labels: [], boxes: [], model: null, inferenceMs: null, worker: null };
    return { ...job, status: 'succeeded', finishedAt: info.modifiedAt, result };
  }
}
