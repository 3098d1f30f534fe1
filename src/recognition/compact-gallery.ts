/**
 * The gallery as one contiguous block of descriptors, and the search for the two nearest subjects in it.
 * Pure: no I/O. A subject's examples are adjacent (`starts`), so a subject is one run of the block; with an
 * inverted file (`lists`), subjects are grouped by the list of their nearest centroid and a probe scans only
 * the subjects of the `probeLists` lists whose centroids are nearest to it (IVF). Without lists every subject
 * is scanned (exact).
 *
 * Pruning that keeps the exact answer: an example is abandoned as soon as its partial squared sum passes the
 * second-best subject so far (it can then not be among the two nearest), whatever the order of the scan.
 */
export const DESCRIPTOR_DIMS = 128;

export interface InvertedLists {
  /** `lists × DESCRIPTOR_DIMS` centroids. */
  readonly centroids: Float32Array;
  /** Subject ranges: list `l` holds subjects `subjectStarts[l]` up to (excluding) `subjectStarts[l + 1]`. */
  readonly subjectStarts: Uint32Array;
  /** Subjects the centroids were trained on (retrained once the gallery outgrows them). */
  readonly trainedOn: number;
}

export interface CompactGallery {
  readonly names: readonly string[];
  /** Example ranges: subject `s` owns examples `starts[s]` up to (excluding) `starts[s + 1]`. */
  readonly starts: Uint32Array;
  /** `examples × DESCRIPTOR_DIMS` descriptors. */
  readonly vectors: Float32Array;
  readonly lists?: InvertedLists;
}

export interface RankedSubject {
  readonly name: string;
  readonly distance: number;
}

/** What a scan keeps: the two nearest subjects by squared distance. */
class TopTwo {
  best = -1;
  bestSq = Number.POSITIVE_INFINITY;
  second = -1;
  secondSq = Number.POSITIVE_INFINITY;

  offer(subject: number, sq: number): void {
    if (sq < this.bestSq) {
      this.second = this.best;
      this.secondSq = this.bestSq;
      this.best = subject;
      this.bestSq = sq;
    } else if (sq < this.secondSq) {
      this.second = subject;
      this.secondSq = sq;
    }
  }
}

export interface SearchOptions {
  /** Lists scanned per probe (IVF); ignored without lists. Infinity scans all of them: the exact answer. */
  readonly probeLists: number;
  /** Subjects to skip (removed or replaced since the snapshot). */
  readonly skip?: ReadonlySet<number>;
}

/** Squared distance from `probe` to `vectors[at..at+128)`, abandoned (returning a larger value) past `bound`. */
function boundedSquare(vectors: Float32Array, at: number, probe: Float32Array, bound: number): number {
  let sum = 0;
  for (let i = 0; i < DESCRIPTOR_DIMS; i += 8) {
    const d0 = vectors[at + i]! - probe[i]!;
    const d1 = vectors[at + i + 1]! - probe[i + 1]!;
    const d2 = vectors[at + i + 2]! - probe[i + 2]!;
    const d3 = vectors[at + i + 3]! - probe[i + 3]!;
    const d4 = vectors[at + i + 4]! - probe[i + 4]!;
    const d5 = vectors[at + i + 5]! - probe[i + 5]!;
    const d6 = vectors[at + i + 6]! - probe[i + 6]!;
    const d7 = vectors[at + i + 7]! - probe[i + 7]!;
    sum += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + d4 * d4 + d5 * d5 + d6 * d6 + d7 * d7;
    if (sum > bound) return sum;
  }
  return sum;
}

function scanSubjects(gallery: CompactGallery, probe: Float32Array, from: number, to: number, top: TopTwo, skip?: ReadonlySet<number>): void {
  const { starts, vectors } = gallery;
  for (let s = from; s < to; s += 1) {
    if (skip !== undefined && skip.has(s)) continue;
    let nearest = top.secondSq;
    const end = starts[s + 1]!;
    for (let e = starts[s]!; e < end; e += 1) {
      const sq = boundedSquare(vectors, e * DESCRIPTOR_DIMS, probe, nearest);
      if (sq < nearest) nearest = sq;
    }
    if (nearest < top.secondSq) top.offer(s, nearest);
  }
}

/** Indices of the `count` centroids nearest to `probe`. */
export function nearestLists(centroids: Float32Array, probe: Float32Array, count: number): number[] {
  const lists = centroids.length / DESCRIPTOR_DIMS;
  const scored: { list: number; sq: number }[] = [];
  for (let l = 0; l < lists; l += 1) scored.push({ list: l, sq: boundedSquare(centroids, l * DESCRIPTOR_DIMS, probe, Number.POSITIVE_INFINITY) });
  scored.sort((a, b) => a.sq - b.sq);
  return scored.slice(0, count).map((s) => s.list);
}

/** Index of the centroid nearest to `probe`. */
export function nearestList(centroids: Float32Array, probe: Float32Array): number {
  let best = 0;
  let bestSq = Number.POSITIVE_INFINITY;
  for (let l = 0; l < centroids.length / DESCRIPTOR_DIMS; l += 1) {
    const sq = boundedSquare(centroids, l * DESCRIPTOR_DIMS, probe, bestSq);
    if (sq < bestSq) {
      best = l;
      bestSq = sq;
    }
  }
  return best;
}

function scanInto(gallery: CompactGallery, probe: Float32Array, options: SearchOptions, top: TopTwo): void {
  const { lists } = gallery;
  const listCount = lists === undefined ? 0 : lists.subjectStarts.length - 1;
  if (lists === undefined || options.probeLists >= listCount) {
    scanSubjects(gallery, probe, 0, gallery.names.length, top, options.skip);
    return;
  }
  for (const l of nearestLists(lists.centroids, probe, options.probeLists)) {
    scanSubjects(gallery, probe, lists.subjectStarts[l]!, lists.subjectStarts[l + 1]!, top, options.skip);
  }
}

/**
 * The two nearest subjects over several galleries (a snapshot and the changes since), each with its own
 * options; a subject must live in only one of them (the others skip it).
 */
export function twoNearestInGalleries(
  parts: readonly { readonly gallery: CompactGallery; readonly options: SearchOptions }[],
  probe: Float32Array,
): [RankedSubject?, RankedSubject?] {
  const found: { name: string; sq: number }[] = [];
  let bound = Number.POSITIVE_INFINITY;
  for (const { gallery, options } of parts) {
    const top = new TopTwo();
    top.secondSq = bound;
    scanInto(gallery, probe, options, top);
    if (top.best >= 0) found.push({ name: gallery.names[top.best]!, sq: top.bestSq });
    if (top.second >= 0) found.push({ name: gallery.names[top.second]!, sq: top.secondSq });
    found.sort((a, b) => a.sq - b.sq);
    found.splice(2);
    if (found.length === 2) bound = found[1]!.sq;
  }
  const ranked = found.map((f) => ({ name: f.name, distance: Math.sqrt(f.sq) }));
  return [ranked[0], ranked[1]];
}

/** A CompactGallery of `subjects` (in this order), without lists. */
export function compactOf(subjects: readonly { readonly name: string; readonly descriptors: readonly ArrayLike<number>[] }[]): CompactGallery {
  const starts = new Uint32Array(subjects.length + 1);
  let examples = 0;
  subjects.forEach((s, i) => {
    starts[i] = examples;
    examples += s.descriptors.length;
  });
  starts[subjects.length] = examples;
  const vectors = new Float32Array(examples * DESCRIPTOR_DIMS);
  let at = 0;
  for (const subject of subjects) {
    for (const d of subject.descriptors) {
      vectors.set(d, at);
      at += DESCRIPTOR_DIMS;
    }
  }
  return { names: subjects.map((s) => s.name), starts, vectors };
}

/** The examples of subject `s`, as views into the block (no copy). */
export function examplesOf(gallery: CompactGallery, s: number): Float32Array[] {
  const views: Float32Array[] = [];
  for (let e = gallery.starts[s]!; e < gallery.starts[s + 1]!; e += 1) {
    views.push(gallery.vectors.subarray(e * DESCRIPTOR_DIMS, (e + 1) * DESCRIPTOR_DIMS));
  }
  return views;
}
