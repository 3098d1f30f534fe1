/**
 * The gallery a reader holds (pure): the snapshot's CompactGallery plus the changes logged since it. A
 * change masks the snapshot's copy of its subject and keeps the subject's new examples in a small block of
 * recent subjects, scanned whole beside the snapshot's index.
 */
import { compactOf, examplesOf, twoNearestInGalleries, type CompactGallery, type RankedSubject } from './compact-gallery.js';
import type { GalleryChange } from './gallery-snapshot.js';
import type { GalleryIndex } from './matcher.js';

const EMPTY: CompactGallery = { names: [], starts: new Uint32Array(1), vectors: new Float32Array(0) };

/**
 * Lists of the snapshot scanned per probe: all of them (the exact answer). Measured with `npm run bench --
 * --gallery`: the inverted lists gave the exact scan's labels only when scanning most lists, at little gain
 * (README, "Gallery at scale"), so workers scan the compact block whole unless told otherwise.
 */
export const DEFAULT_PROBE_LISTS = Number.POSITIVE_INFINITY;

export class GalleryState {
  private positions: Map<string, number> | undefined;
  private readonly masked = new Set<number>();
  private readonly recent = new Map<string, readonly Float32Array[]>();
  private recentBlock: CompactGallery = EMPTY;
  private listed: GalleryIndex | undefined;

  constructor(
    readonly snapshot: CompactGallery = EMPTY,
    private readonly probeLists = DEFAULT_PROBE_LISTS,
  ) {}

  /** Subjects (with examples) in the gallery now. */
  get size(): number {
    return this.snapshot.names.length - this.masked.size + this.recent.size;
  }

  apply(change: GalleryChange): void {
    this.positions ??= new Map(this.snapshot.names.map((name, i) => [name, i]));
    const position = this.positions.get(change.subject);
    if (position !== undefined) this.masked.add(position);
    if (change.op === 'enroll' && change.descriptors.length > 0) this.recent.set(change.subject, change.descriptors);
    else this.recent.delete(change.subject);
    this.recentBlock = compactOf([...this.recent].map(([name, descriptors]) => ({ name, descriptors })));
    this.listed = undefined;
  }

  /** The two nearest subjects to `probe`; `probeLists` overrides the lists scanned (Infinity: exact). */
  twoNearest(probe: Float32Array, probeLists = this.probeLists): [RankedSubject?, RankedSubject?] {
    return twoNearestInGalleries(
      [
        { gallery: this.snapshot, options: { probeLists, skip: this.masked } },
        { gallery: this.recentBlock, options: { probeLists: Number.POSITIVE_INFINITY } },
      ],
      probe,
    );
  }

  /** Every subject with its examples (views, no copy), snapshot order then recent ones: for listing and compaction. */
  subjects(): GalleryIndex {
    if (this.listed !== undefined) return this.listed;
    const listed: { name: string; descriptors: Float32Array[] }[] = [];
    this.snapshot.names.forEach((name, s) => {
      if (!this.masked.has(s)) listed.push({ name, descriptors: examplesOf(this.snapshot, s) });
    });
    for (const [name, descriptors] of this.recent) listed.push({ name, descriptors: [...descriptors] });
    this.listed = listed;
    return listed;
  }
}
