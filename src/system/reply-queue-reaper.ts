/**
 * Reply queues outlive a web process that dies without closing (SIGKILL, a lost machine): nobody reads
 * them again and, before this, nothing removed them. Each web process keeps a liveness object in the
 * control bucket (`web/<instance id>.json`, rewritten every web.livenessIntervalMs and deleted on close);
 * `up` removes the reply queues whose process has not written it for web.replyQueueStaleAfterMs. Works the same on the
 * embedded backends and on SQS + S3.
 */
import type { ResourceNames } from '../config/names.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { QueueSystem } from '../ports/queue.js';


export function livenessKey(instanceId: string): string {
  return `web/${instanceId}.json`;
}

export interface Liveness {
  stop(): Promise<void>;
}

/** Writes the liveness object now and every `intervalMs`; stop() deletes it. Failed writes go to `onError`. */
export async function startLiveness(
  store: ObjectStore,
  bucket: string,
  instanceId: string,
  onError: (error: unknown) => void = () => undefined,
  intervalMs: number,
): Promise<Liveness> {
  const write = () => store.put(bucket, livenessKey(instanceId), Buffer.from(JSON.stringify({ instanceId, at: Date.now() })));
  await write(); // before the reply queue exists, so the reaper never sees a queue without a live owner
  const timer = setInterval(() => void write().catch(onError), intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await store.delete(bucket, livenessKey(instanceId));
    },
  };
}

export interface ReapOptions {
  readonly queues: QueueSystem;
  readonly store: ObjectStore;
  readonly names: ResourceNames;
  /** This process's web instance: never reaped. */
  readonly ownInstanceId?: string;
  /** A reply queue whose process wrote no liveness for this long is removed. */
  readonly staleAfterMs: number;
  readonly now?: number;
}

/** Removes the reply queues of web processes that are gone; returns their names. */
export async function reapReplyQueues(options: ReapOptions): Promise<string[]> {
  const { queues, store, names } = options;
  const prefix = names.replyQueue('');
  const cutoff = (options.now ?? Date.now()) - options.staleAfterMs;
  const removed: string[] = [];
  for (const queue of await queues.list(prefix)) {
    const instanceId = queue.slice(prefix.length);
    if (instanceId === options.ownInstanceId) continue;
    const liveness = await store.head(names.controlBucket, livenessKey(instanceId));
    if (liveness !== undefined && liveness.modifiedAt >= cutoff) continue;
    await queues.remove(queue);
    removed.push(queue);
  }
  return removed;
}
