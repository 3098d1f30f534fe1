/**
 * Whether this machine's credentials reach the deployment's queues and buckets, asked with harmless calls
 * through the ports (open and count a queue, look up a key that does not exist): SQS and S3 have no dry runs.
 * Behind `scaleface aws check`, beside the EC2 dry runs; works on any backend.
 */
import { NotFoundError, ScalefaceError } from '../domain/errors.js';
import type { Backends } from './backends.js';

export interface AccessCheck {
  /** e.g. `queue scaleface-req-queue`, `bucket scaleface-in-bucket`. */
  readonly resource: string;
  readonly reachable: boolean;
  /** `reachable`, `missing: <what>` or the error the backend gave. */
  readonly detail: string;
}

/** An object key nobody writes: looking it up reads the bucket without touching anything. */
const PROBE_KEY = 'scaleface-access-check/absent';

async function probe(resource: string, owner: string, call: () => Promise<unknown>): Promise<AccessCheck> {
  try {
    await call();
    return { resource, reachable: true, detail: 'reachable' };
  } catch (error) {
    if (error instanceof NotFoundError) return { resource, reachable: false, detail: `missing: it does not exist (${owner} creates it)` };
    const message = error instanceof ScalefaceError ? error.message : String(error);
    return { resource, reachable: false, detail: `not reachable: ${message}` };
  }
}

/** The request queue and its DLQ (open and count) and the four buckets (a key lookup), one line each. */
export async function checkQueuesAndBuckets(backends: Backends): Promise<AccessCheck[]> {
  const { queues, store, names } = backends;
  const owner = 'the deploy, or scaleface up';
  const checks = [names.requestQueue, names.deadLetterQueue].map((name) =>
    probe(`queue ${name}`, owner, async () => (await queues.open(name)).depth()),
  );
  for (const bucket of [names.inputBucket, names.outputBucket, names.galleryBucket, names.controlBucket]) {
    checks.push(probe(`bucket ${bucket}`, owner, () => store.list(bucket, PROBE_KEY)));
  }
  return Promise.all(checks);
}
