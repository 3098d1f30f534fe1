/**
 * What enrollment writes for workers (layout in gallery-layout.ts): each change is one small log record and a
 * new manifest naming it; once the log holds `compactAfter` records, the snapshot plus the log become a new
 * snapshot (compaction) and the old objects are removed. A gallery without a snapshot (new, or written before
 * snapshots) gets its first one from its descriptors files on its first change: the migration.
 *
 * Callers serialize their changes (GalleryAdmin does); the manifest is always written last, so a reader sees
 * the gallery before or after a change, never half of it.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../domain/errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { compactOf, type CompactGallery, type InvertedLists } from './compact-gallery.js';
import { bumpManifest, descriptorsKey, listDescribedSubjects, parseDescriptors, readManifest, type GalleryHead } from './gallery-layout.js';
import { encodeRecord, encodeSnapshot, type GalleryChange } from './gallery-snapshot.js';
import { logPrefix, logKey, readGalleryState, snapshotKey } from './gallery-store.js';
import { withInvertedLists } from './inverted-lists.js';
import type { SubjectExamples } from './matcher.js';
import { sameModel, type ModelIdentity } from './model-identity.js';

/**
 * Most records before a compaction: a starting worker reads the snapshot plus at most this many small objects.
 * A small snapshot compacts sooner (after a quarter of its subjects, at least MIN_LOG): rewriting it is cheap.
 */
export const DEFAULT_COMPACT_AFTER = 256;
const MIN_LOG = 8;

export interface GalleryWriterOptions {
  readonly compactAfter?: number;
  /**
   * Build inverted lists into the snapshots (k-means: seconds at 100,000 subjects). Off: workers scan the
   * block whole by default (DEFAULT_PROBE_LISTS), so the lists would cost the writer for nothing.
   */
  readonly invertedLists?: boolean;
}

export class GalleryWriter {
  private readonly compactAfter: number;
  private readonly invertedLists: boolean;

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly model: ModelIdentity,
    options: GalleryWriterOptions = {},
  ) {
    this.compactAfter = options.compactAfter ?? DEFAULT_COMPACT_AFTER;
    this.invertedLists = options.invertedLists ?? false;
  }

  /** Logs `change` (already written to its descriptors file) and announces it. */
  async record(change: GalleryChange, reason: string): Promise<void> {
    const head = (await readManifest(this.store, this.bucket))?.head;
    if (head === undefined) return this.rebuild(reason);
    const log = head.log + 1;
    await this.store.put(this.bucket, logKey(head.snapshot, log), encodeRecord(change, this.model));
    const next = { ...head, log };
    if (log >= Math.min(this.compactAfter, Math.max(MIN_LOG, head.subjects / 4))) return this.compact(next, reason);
    await bumpManifest(this.store, this.bucket, this.model, reason, next);
  }

  /** Removing changes no descriptor: a gallery of another model (or none, legacy) keeps the model it records. */
  async recordRemoval(subject: string): Promise<void> {
    const manifest = await readManifest(this.store, this.bucket);
    const recorded = manifest?.model;
    if (manifest === undefined || (recorded !== undefined && sameModel(recorded, this.model))) {
      await this.record({ op: 'delete', subject }, `remove ${subject}`);
    } else {
      await bumpManifest(this.store, this.bucket, recorded, `remove ${subject}`, manifest.head);
    }
  }

  /** A new snapshot from every descriptors file of this writer's model (others are what workers skip too). */
  async rebuild(reason: string): Promise<void> {
    const subjects: SubjectExamples[] = [];
    for (const subject of await listDescribedSubjects(this.store, this.bucket)) {
      const key = descriptorsKey(subject);
      try {
        const file = parseDescriptors(await this.store.get(this.bucket, key), key);
        if (file.model === undefined || !sameModel(file.model, this.model) || file.examples.length === 0) continue;
        subjects.push({ name: file.subject, descriptors: file.examples.map((e) => e.descriptor) });
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    const previous = (await readManifest(this.store, this.bucket))?.head;
    await this.publish(this.indexed(compactOf(subjects)), previous, reason);
  }

  /** The snapshot `head` names with its log applied, as a new snapshot (its lists' centroids kept while they fit). */
  private async compact(head: GalleryHead, reason: string): Promise<void> {
    const state = await readGalleryState(this.store, this.bucket, head, { model: this.model });
    await this.publish(this.indexed(compactOf(state.subjects()), state.snapshot.lists), head, `${reason}; compacted`);
  }

  private indexed(gallery: CompactGallery, previous?: InvertedLists): CompactGallery {
    return this.invertedLists ? withInvertedLists(gallery, previous) : gallery;
  }

  private async publish(gallery: CompactGallery, previous: GalleryHead | undefined, reason: string): Promise<void> {
    const id = randomUUID();
    await this.store.ensureBucket(this.bucket);
    await this.store.put(this.bucket, snapshotKey(id), encodeSnapshot({ gallery, model: this.model }));
    await bumpManifest(this.store, this.bucket, this.model, reason, { snapshot: id, log: 0, subjects: gallery.names.length });
    if (previous === undefined) return;
    // Readers still loading the old snapshot find it gone and start over from the manifest.
    await this.store.delete(this.bucket, snapshotKey(previous.snapshot));
    for (const record of await this.store.list(this.bucket, logPrefix(previous.snapshot))) await this.store.delete(this.bucket, record.key);
  }
}
