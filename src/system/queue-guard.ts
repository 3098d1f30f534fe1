/**
 * Before `up` creates the request queue: if it does not exist although the buckets hold work that was on it
 * (the embedded queue's database emptied or removed, a queue deleted on AWS), starting would create an empty
 * queue and forget that work without a word. "Work" is what only the queue could still bring to a worker:
 * uploads in the input bucket without a label in the output bucket, and unfinished job records. Then `up`
 * stops with QueueLostError saying what it found and how to go on, unless `queue.acceptEmptyQueue` is set.
 */
import { ACCESS_CHECK_PREFIX } from '../config/names.js';
import { NotFoundError, QueueLostError } from '../domain/errors.js';
import { stemOf, TASK_INPUTS_PREFIX } from '../domain/messages.js';
import { JOB_RECORDS_PREFIX } from '../web/job-records.js';
import type { Backends } from './backends.js';

export interface WorkWithoutQueue {
  /** Uploads without a label. */
  readonly unlabelledUploads: number;
  /** Job records still queued or running, without a label. */
  readonly unfinishedJobs: number;
}

async function queueExists(backends: Backends): Promise<boolean> {
  try {
    await backends.queues.open(backends.names.requestQueue);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** What the buckets hold that only the request queue could still bring to a worker. */
export async function workInBuckets(backends: Backends): Promise<WorkWithoutQueue> {
  const { store, names } = backends;
  const labels = new Set((await store.list(names.outputBucket)).map((o) => o.key));
  const uploads = (await store.list(names.inputBucket)).filter((o) => !o.key.startsWith(ACCESS_CHECK_PREFIX) && !o.key.startsWith(TASK_INPUTS_PREFIX));
  let unfinishedJobs = 0;
  for (const record of await store.list(names.controlBucket, JOB_RECORDS_PREFIX)) {
    const job = JSON.parse((await store.get(names.controlBucket, record.key).catch(() => Buffer.from('{}'))).toString('utf8')) as { status?: string; file?: string };
    const unfinished = job.status === 'queued' || job.status === 'running';
    if (unfinished && typeof job.file === 'string' && !labels.has(stemOf(job.file))) unfinishedJobs += 1;
  }
  return { unlabelledUploads: uploads.filter((o) => !labels.has(stemOf(o.key))).length, unfinishedJobs };
}

function lostQueueMessage(backends: Backends, work: WorkWithoutQueue): string {
  const { config, names } = backends;
  const where = config.queue.backend === 'embedded' ? ` (its database ${config.dataDir}/queue.db is empty or missing)` : '';
  return (
    `the request queue ${names.requestQueue} does not exist${where}, but the buckets hold work that was queued: ` +
    `${work.unlabelledUploads} uploads without a label, ${work.unfinishedJobs} unfinished jobs. ` +
    `Restore the queue (e.g. queue.db from a backup) and start again, or start with --accept-empty-queue ` +
    `(SCALEFACE_ACCEPT_EMPTY_QUEUE=true) to begin with an empty queue: that work is then not processed unless uploaded again.`
  );
}

/** Throws QueueLostError when the request queue is missing while the buckets hold work (see above). */
export async function refuseLostQueue(backends: Backends): Promise<void> {
  if (backends.config.queue.acceptEmptyQueue || (await queueExists(backends))) return;
  const work = await workInBuckets(backends);
  if (work.unlabelledUploads === 0 && work.unfinishedJobs === 0) return;
  throw new QueueLostError(lostQueueMessage(backends, work));
}
