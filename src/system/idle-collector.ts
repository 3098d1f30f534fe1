/**
 * Collects garbage once the web tier has gone idle after request bodies passed through it. V8 collects when
 * JavaScript allocates, so the socket chunks and joined files of uploads already answered (external memory)
 * stay resident while nothing runs: measured, about half of what `up` kept after a flood of large uploads
 * (README, "Limits under load"). One collection per idle spell, and only after enough bytes passed.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface BodyTraffic {
  /** Bytes of request bodies held now. */
  readonly bodyBytesHeld: number;
  /** Bytes of request bodies admitted since start. */
  readonly bodyBytesAdmitted: number;
}

export interface IdleCollectorOptions {
  readonly traffic: () => BodyTraffic;
  /** Bytes that must have passed since the last collection; default 32 MiB. */
  readonly thresholdBytes?: number;
  /** How often the traffic is looked at; idle means no new body over one whole interval. Default 2 s. */
  readonly intervalMs?: number;
  /** Default: V8's own full collection (see fullCollection). */
  readonly collect?: () => void;
}

const DEFAULT_THRESHOLD_BYTES = 32 * 1024 * 1024;
const DEFAULT_INTERVAL_MS = 2000;

/** V8's full collection, made callable without starting Node with --expose-gc; undefined where V8 refuses. */
export function fullCollection(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts looking; returns the function that stops it. Without a way to collect it does nothing. */
export function startIdleCollector(options: IdleCollectorOptions): () => void {
  const collect = options.collect ?? fullCollection();
  if (collect === undefined) return () => undefined;
  const threshold = options.thresholdBytes ?? DEFAULT_THRESHOLD_BYTES;
  let collectedAt = 0;
  let seenAt = options.traffic().bodyBytesAdmitted;
  const timer = setInterval(() => {
    const { bodyBytesHeld, bodyBytesAdmitted } = options.traffic();
    const idle = bodyBytesHeld === 0 && bodyBytesAdmitted === seenAt;
    seenAt = bodyBytesAdmitted;
    if (!idle || bodyBytesAdmitted - collectedAt < threshold) return;
    collectedAt = bodyBytesAdmitted;
    collect();
  }, options.intervalMs ?? DEFAULT_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
