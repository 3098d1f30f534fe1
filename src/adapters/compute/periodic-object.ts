/**
 * One JSON object rewritten now and every `intervalMs`: how a worker says it is alive (its heartbeat) and how the
 * autoscaler says it still drives the app tier. Writes run one at a time, so stop() can wait for the last one
 * (and a caller may then delete the object); a failed write goes to `onError` and never stops the timer: a
 * missed beat only makes the writer look silent for a while.
 */
import type { ObjectStore } from '../../ports/object-store.js';

export interface PeriodicObjectOptions {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly key: string;
  /** The object's content at each write. */
  readonly body: () => unknown;
  readonly intervalMs: number;
  readonly onError?: (error: unknown) => void;
}

export interface PeriodicObject {
  /** Writes once more now (after any write in progress). */
  beat(): Promise<void>;
  /** Stops writing; resolves once the write in progress, if any, is done. */
  stop(): Promise<void>;
}

export function writePeriodically(options: PeriodicObjectOptions): PeriodicObject {
  const { store, bucket, key } = options;
  let stopped = false;
  let writing: Promise<void> = Promise.resolve();
  const beat = (): Promise<void> => {
    if (stopped) return writing;
    writing = writing.then(() =>
      store.put(bucket, key, Buffer.from(JSON.stringify(options.body())), { contentType: 'application/json' }).then(
        () => undefined,
        (error: unknown) => options.onError?.(error),
      ),
    );
    return writing;
  };
  const timer = setInterval(() => void beat(), options.intervalMs);
  timer.unref();
  void beat();
  return {
    beat,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await writing;
    },
  };
}
