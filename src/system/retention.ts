/**
 * Retention: uploaded images and stored labels can be given a time to live (config `retention`, default
 * off). `up` deletes older objects from the input and output buckets; on AWS the deploy also sets the
 * matching S3 lifecycle rules (deploy/stack.ts), which do the same without a running process.
 */
import type { Config } from '../config/index.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Backends } from './backends.js';
import type { Logger } from './logger.js';

/** A sweep runs at least this often (sooner with a shorter time to live). */
const MAX_SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Deletes the objects of `bucket` (under `prefix`) last written more than `ttlMs` before `now`; returns how
 * many. (Job records are swept by JobRecords.sweep, which keeps unfinished jobs.)
 */
export async function sweepExpired(store: ObjectStore, bucket: string, ttlMs: number, now = Date.now(), prefix = ''): Promise<number> {
  const expired = (await store.list(bucket, prefix)).filter((info) => info.modifiedAt < now - ttlMs);
  for (const info of expired) await store.delete(bucket, info.key);
  return expired.length;
}

export interface Retention {
  stop(): void;
}

/** Starts one sweeper per bucket that has a time to live in `config.retention`. */
export function startRetention(backends: Backends, config: Config, log: Logger): Retention {
  const { inputTtlSeconds, outputTtlSeconds } = config.retention;
  const plans = [
    { bucket: backends.names.inputBucket, ttlSeconds: inputTtlSeconds },
    { bucket: backends.names.outputBucket, ttlSeconds: outputTtlSeconds },
  ].filter((plan): plan is { bucket: string; ttlSeconds: number } => plan.ttlSeconds !== undefined);
  const timers = plans.map(({ bucket, ttlSeconds }) => {
    const ttlMs = ttlSeconds * 1000;
    const sweep = () =>
      sweepExpired(backends.store, bucket, ttlMs).then(
        (deleted) => deleted > 0 && log.info({ bucket, deleted, ttlSeconds }, 'retention: deleted expired objects'),
        (error: unknown) => log.warn({ bucket, err: error }, 'retention sweep failed'),
      );
    const timer = setInterval(() => void sweep(), Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(1000, ttlMs / 2)));
    timer.unref();
    return timer;
  });
  return { stop: () => timers.forEach((timer) => clearInterval(timer)) };
}
