/**
 * The autoscaler's own heartbeat: `autoscaler/heartbeat.json` = { at } in the control bucket, rewritten every few
 * seconds by the process that runs the autoscaler. Workers on machines of their own read it to tell whether
 * anyone still drives the app tier (see unattended-shutdown.ts): the autoscaler lives inside a web process, and
 * without it nothing would ever stop idle instances.
 */
import { NotFoundError } from '../../domain/errors.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { writePeriodically } from './periodic-object.js';

export const AUTOSCALER_HEARTBEAT_KEY = 'autoscaler/heartbeat.json';

export interface AutoscalerHeartbeatOptions {
  readonly store: ObjectStore;
  readonly controlBucket: string;
  readonly intervalMs: number;
  /** A write failed (the next one may succeed). */
  readonly onError?: (error: unknown) => void;
}

/** Writes the autoscaler's heartbeat now and every `intervalMs` until stop() (which waits for a write in progress). */
export function startAutoscalerHeartbeat(options: AutoscalerHeartbeatOptions): { stop(): Promise<void> } {
  const { store, controlBucket, intervalMs, onError } = options;
  return writePeriodically({ store, bucket: controlBucket, key: AUTOSCALER_HEARTBEAT_KEY, body: () => ({ at: Date.now() }), intervalMs, onError });
}

/** Epoch milliseconds of the autoscaler's last heartbeat; undefined when there is none (or it is unreadable). */
export async function readAutoscalerHeartbeat(store: ObjectStore, controlBucket: string): Promise<number | undefined> {
  try {
    const value = JSON.parse((await store.get(controlBucket, AUTOSCALER_HEARTBEAT_KEY)).toString('utf8')) as { at?: unknown };
    return typeof value.at === 'number' ? value.at : undefined;
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof SyntaxError) return undefined;
    throw error;
  }
}
