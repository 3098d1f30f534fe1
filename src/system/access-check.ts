/**
 * Whether this machine's credentials may do what `scaleface up` does with the deployment's queues and buckets,
 * proven by doing it on probes through the ports (SQS and S3 have no dry runs): open and count the request queue
 * and its DLQ, list the reply queues, create a probe reply queue, send to it, receive and delete from it and
 * remove it; list every bucket and, under each key prefix `up` writes, write, read and delete a probe object.
 * Behind `scaleface aws check`, beside the EC2 dry runs; works on any backend.
 */
import { randomUUID } from 'node:crypto';
import { ACCESS_CHECK_PREFIX } from '../config/names.js';
import { NotFoundError, ScalefaceError } from '../domain/errors.js';
import type { Backends } from './backends.js';

export interface AccessCheck {
  /** e.g. `queue scaleface-req-queue`, `bucket scaleface-control, web/`. */
  readonly resource: string;
  readonly reachable: boolean;
  /** `reachable`, `missing: <what>` or the error the backend gave, with the rights the probe needs. */
  readonly detail: string;
}

const PROBE_PREFIX = ACCESS_CHECK_PREFIX;

async function probe(resource: string, rights: string, call: () => Promise<unknown>): Promise<AccessCheck> {
  try {
    await call();
    return { resource, reachable: true, detail: 'reachable' };
  } catch (error) {
    if (error instanceof NotFoundError) return { resource, reachable: false, detail: `missing: it does not exist (the deploy, or scaleface up creates it)` };
    const message = error instanceof ScalefaceError ? error.message : String(error);
    return { resource, reachable: false, detail: `not reachable: ${message} (needs ${rights})` };
  }
}

/** A read of a key nobody writes: NotFound is the answer of a caller allowed to read. */
async function readAbsent(backends: Backends, bucket: string, key: string): Promise<void> {
  await backends.store.head(bucket, key);
}

/** Write, read back and delete one probe object. */
async function writeReadDelete(backends: Backends, bucket: string, key: string, read: boolean): Promise<void> {
  const body = Buffer.from(JSON.stringify({ probe: 'scaleface aws check', at: Date.now() }));
  await backends.store.put(bucket, key, body);
  try {
    if (read && !(await backends.store.get(bucket, key)).equals(body)) throw new Error(`the probe ${key} read back differs`);
  } finally {
    await backends.store.delete(bucket, key);
  }
}

function queueChecks(backends: Backends, probeId: string): Promise<AccessCheck>[] {
  const { queues, names } = backends;
  const replyPrefix = names.replyQueue('');
  const opened = [names.requestQueue, names.deadLetterQueue].map((name) =>
    probe(`queue ${name} (open, count)`, `sqs:GetQueueUrl and sqs:GetQueueAttributes on ${name}`, async () => (await queues.open(name)).depth()),
  );
  const listed = probe(`reply queues ${replyPrefix}* (list)`, 'sqs:ListQueues on the account and region', () => queues.list(replyPrefix));
  const replyQueue = `${replyPrefix}aws-check-${probeId}`;
  const rights = `sqs:CreateQueue, SendMessage, ReceiveMessage, DeleteMessage, DeleteQueue on ${replyPrefix}*`;
  const ownReply = probe(`reply queue ${replyPrefix}* (create, send, receive, delete, remove)`, rights, async () => {
    const queue = await queues.create(replyQueue);
    try {
      await queue.send('{"probe":"scaleface aws check"}');
      const [message] = await queue.receive({ maxMessages: 1, waitTimeSeconds: 2 });
      if (message === undefined) throw new Error('the probe message did not come back');
      await queue.delete(message.receiptHandle);
    } finally {
      await queues.remove(replyQueue);
    }
  });
  return [...opened, listed, ownReply];
}

/** What `up` writes: uploads, the gallery, its liveness object and job records; what it reads: labels, heartbeats. */
function bucketChecks(backends: Backends, probeId: string): Promise<AccessCheck>[] {
  const { names } = backends;
  const key = `${PROBE_PREFIX}${probeId}.json`;
  const listed = [names.inputBucket, names.outputBucket, names.galleryBucket, names.controlBucket].map((name) =>
    probe(`bucket ${name} (list)`, `s3:ListBucket on ${name}`, () => backends.store.list(name, PROBE_PREFIX)),
  );
  const objects = (name: string, prefix: string, verbs: string, rights: string, call: () => Promise<unknown>) =>
    probe(`bucket ${name} ${prefix}* (${verbs})`, `${rights} on ${name}/${prefix}*`, call);
  const rw = 's3:GetObject, s3:PutObject and s3:DeleteObject';
  const written = (bucket: string, probeKey: string) => () => writeReadDelete(backends, bucket, probeKey, true);
  return [
    ...listed,
    objects(names.inputBucket, PROBE_PREFIX, 'write, delete', 's3:PutObject and s3:DeleteObject', () => writeReadDelete(backends, names.inputBucket, key, false)),
    objects(names.outputBucket, '', 'read', 's3:GetObject', () => readAbsent(backends, names.outputBucket, key)),
    objects(names.galleryBucket, '', 'write, read, delete', rw, written(names.galleryBucket, key)),
    objects(names.controlBucket, 'heartbeats/', 'read', 's3:GetObject', () => readAbsent(backends, names.controlBucket, `heartbeats/${probeId}.json`)),
    objects(names.controlBucket, 'web/', 'write, read, delete', rw, written(names.controlBucket, `web/${PROBE_PREFIX.slice(0, -1)}-${probeId}.json`)),
    objects(names.controlBucket, 'jobs/', 'write, read, delete', rw, written(names.controlBucket, `jobs/${PROBE_PREFIX.slice(0, -1)}-${probeId}.json`)),
    objects(names.controlBucket, 'uploads/', 'write, read, delete', rw, written(names.controlBucket, `uploads/${PROBE_PREFIX.slice(0, -1)}-${probeId}`)),
  ];
}

/** One line per queue and bucket right `up` uses. */
export async function checkQueuesAndBuckets(backends: Backends): Promise<AccessCheck[]> {
  const probeId = randomUUID().slice(0, 8);
  return Promise.all([...queueChecks(backends, probeId), ...bucketChecks(backends, probeId)]);
}
