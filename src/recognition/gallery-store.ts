/**
 * Reading the gallery's snapshot and log (layout in gallery-layout.ts) into a GalleryState: one object for
 * the snapshot and one per change since, read a few at a time. Shared by GalleryCache (workers) and
 * GalleryWriter (compaction).
 */
import { GalleryModelMismatchError, NotFoundError } from '../domain/errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { GalleryHead } from './gallery-layout.js';
import { decodeRecord, decodeSnapshot, type GalleryChange } from './gallery-snapshot.js';
import { GalleryState } from './gallery-state.js';
import { describeModel, sameModel, type ModelIdentity } from './model-identity.js';

export const SNAPSHOTS_PREFIX = 'gallery/snapshots/';
export const LOG_PREFIX = 'gallery/log/';
/** Log records read at once: S3 answers each in milliseconds, but one after the other they add up. */
const PARALLEL_READS = 16;

export function snapshotKey(id: string): string {
  return `${SNAPSHOTS_PREFIX}${id}.bin`;
}

export function logPrefix(id: string): string {
  return `${LOG_PREFIX}${id}/`;
}

export function logKey(id: string, sequence: number): string {
  return `${logPrefix(id)}${String(sequence).padStart(8, '0')}.bin`;
}

export interface ReadOptions {
  /** The model the reader runs: a snapshot or record of another is refused or skipped. */
  readonly model: ModelIdentity;
  /** Told about records skipped (unreadable, or of another model). */
  readonly onSkipped?: (error: Error) => void;
  /** Lists of the snapshot scanned per probe (default DEFAULT_PROBE_LISTS). */
  readonly probeLists?: number;
}

/** The snapshot `head` names; GalleryModelMismatchError when another model computed it. */
export async function readSnapshotState(store: ObjectStore, bucket: string, head: GalleryHead, options: ReadOptions): Promise<GalleryState> {
  const key = snapshotKey(head.snapshot);
  const snapshot = decodeSnapshot(await store.get(bucket, key), key);
  if (!sameModel(snapshot.model, options.model)) {
    throw new GalleryModelMismatchError(`${bucket}/${key} was computed by ${describeModel(snapshot.model)}, not by this model`);
  }
  return new GalleryState(snapshot.gallery, options.probeLists);
}

async function readRecord(store: ObjectStore, bucket: string, key: string, options: ReadOptions): Promise<GalleryChange | undefined> {
  let decoded;
  try {
    decoded = decodeRecord(await store.get(bucket, key), key);
  } catch (error) {
    if (error instanceof NotFoundError) throw error; // compacted away meanwhile: the caller starts over
    options.onSkipped?.(error as Error);
    return undefined;
  }
  if (sameModel(decoded.model, options.model)) return decoded.change;
  options.onSkipped?.(new GalleryModelMismatchError(`${key} was computed by ${describeModel(decoded.model)}, not by this model: skipped`));
  return undefined;
}

/** Applies records `from`..`to` (inclusive) of `snapshot`'s log to `state`, in order. */
export async function applyLog(
  store: ObjectStore,
  bucket: string,
  state: GalleryState,
  range: { readonly snapshot: string; readonly from: number; readonly to: number },
  options: ReadOptions,
): Promise<void> {
  for (let first = range.from; first <= range.to; first += PARALLEL_READS) {
    const keys: string[] = [];
    for (let n = first; n <= Math.min(range.to, first + PARALLEL_READS - 1); n += 1) keys.push(logKey(range.snapshot, n));
    const changes = await Promise.all(keys.map((key) => readRecord(store, bucket, key, options)));
    for (const change of changes) if (change !== undefined) state.apply(change);
  }
}

/** The gallery `head` names: its snapshot and every record after it. */
export async function readGalleryState(store: ObjectStore, bucket: string, head: GalleryHead, options: ReadOptions): Promise<GalleryState> {
  const state = await readSnapshotState(store, bucket, head, options);
  await applyLog(store, bucket, state, { snapshot: head.snapshot, from: 1, to: head.log }, options);
  return state;
}
