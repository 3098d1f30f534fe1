/**
 * Building the inverted file of a CompactGallery (pure): k-means centroids trained on a sample of the
 * subjects' mean descriptors, every subject put in the list of the centroid nearest to its mean, and the
 * gallery reordered so each list's subjects are adjacent. Below `IVF_MIN_SUBJECTS` a gallery keeps no lists:
 * scanning it whole is fast enough (README, "Gallery at scale").
 */
import { DESCRIPTOR_DIMS, nearestList, type CompactGallery, type InvertedLists } from './compact-gallery.js';

export const IVF_MIN_SUBJECTS = 4000;
/** Subject means k-means trains on (a sample: training on all 100,000 would take minutes). */
const TRAINING_SAMPLE = 12_000;
const KMEANS_ROUNDS = 6;

/** Lists for `subjects` subjects: about sqrt(n) (lists of ~sqrt(n) subjects balance centroid and list scans), at most 1024. */
export function listCountFor(subjects: number): number {
  return Math.min(1024, Math.max(1, Math.round(Math.sqrt(subjects))));
}

function subjectMean(gallery: CompactGallery, s: number, into: Float32Array, at: number): void {
  const from = gallery.starts[s]!;
  const to = gallery.starts[s + 1]!;
  for (let e = from; e < to; e += 1) {
    for (let i = 0; i < DESCRIPTOR_DIMS; i += 1) into[at + i]! += gallery.vectors[e * DESCRIPTOR_DIMS + i]! / (to - from);
  }
}

/** Every subject's mean descriptor, `subjects × DESCRIPTOR_DIMS`. */
export function subjectMeans(gallery: CompactGallery): Float32Array {
  const means = new Float32Array(gallery.names.length * DESCRIPTOR_DIMS);
  for (let s = 0; s < gallery.names.length; s += 1) subjectMean(gallery, s, means, s * DESCRIPTOR_DIMS);
  return means;
}

/** A deterministic pseudo-random sequence (mulberry32): the same gallery always trains the same lists. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function row(block: Float32Array, i: number): Float32Array {
  return block.subarray(i * DESCRIPTOR_DIMS, (i + 1) * DESCRIPTOR_DIMS);
}

/** Lloyd's k-means on `points` (rows), started from `k` sampled rows. */
export function trainCentroids(points: Float32Array, k: number, seed = 1): Float32Array {
  const count = points.length / DESCRIPTOR_DIMS;
  const next = random(seed);
  const centroids = new Float32Array(k * DESCRIPTOR_DIMS);
  for (let c = 0; c < k; c += 1) centroids.set(row(points, Math.floor(next() * count)), c * DESCRIPTOR_DIMS);
  for (let round = 0; round < KMEANS_ROUNDS; round += 1) {
    const sums = new Float64Array(k * DESCRIPTOR_DIMS);
    const sizes = new Uint32Array(k);
    for (let p = 0; p < count; p += 1) {
      const c = nearestList(centroids, row(points, p));
      sizes[c]! += 1;
      for (let i = 0; i < DESCRIPTOR_DIMS; i += 1) sums[c * DESCRIPTOR_DIMS + i]! += points[p * DESCRIPTOR_DIMS + i]!;
    }
    for (let c = 0; c < k; c += 1) {
      if (sizes[c] === 0) continue; // an empty list keeps its centroid
      for (let i = 0; i < DESCRIPTOR_DIMS; i += 1) centroids[c * DESCRIPTOR_DIMS + i] = sums[c * DESCRIPTOR_DIMS + i]! / sizes[c]!;
    }
  }
  return centroids;
}

function sampleRows(points: Float32Array, limit: number, seed: number): Float32Array {
  const count = points.length / DESCRIPTOR_DIMS;
  if (count <= limit) return points;
  const next = random(seed);
  const sample = new Float32Array(limit * DESCRIPTOR_DIMS);
  for (let i = 0; i < limit; i += 1) sample.set(row(points, Math.floor(next() * count)), i * DESCRIPTOR_DIMS);
  return sample;
}

/** `gallery` with its subjects grouped by list, in list order; `listOf[s]` is subject `s`'s list. */
export function groupByList(gallery: CompactGallery, listOf: Uint32Array, centroids: Float32Array, trainedOn: number): CompactGallery {
  const listCount = centroids.length / DESCRIPTOR_DIMS;
  const order = [...listOf.keys()].sort((a, b) => listOf[a]! - listOf[b]! || a - b);
  const subjectStarts = new Uint32Array(listCount + 1);
  for (const l of listOf) subjectStarts[l + 1]! += 1;
  for (let l = 0; l < listCount; l += 1) subjectStarts[l + 1]! += subjectStarts[l]!;
  const starts = new Uint32Array(order.length + 1);
  const vectors = new Float32Array(gallery.vectors.length);
  let examples = 0;
  order.forEach((s, i) => {
    starts[i] = examples;
    const from = gallery.starts[s]! * DESCRIPTOR_DIMS;
    const to = gallery.starts[s + 1]! * DESCRIPTOR_DIMS;
    vectors.set(gallery.vectors.subarray(from, to), examples * DESCRIPTOR_DIMS);
    examples += (to - from) / DESCRIPTOR_DIMS;
  });
  starts[order.length] = examples;
  const lists: InvertedLists = { centroids, subjectStarts, trainedOn };
  return { names: order.map((s) => gallery.names[s]!), starts, vectors, lists };
}

/**
 * `gallery` with inverted lists: `previous` centroids are kept while the gallery is under 4× the subjects they
 * were trained on (then only the subjects' lists are computed), else new ones are trained. None below
 * IVF_MIN_SUBJECTS.
 */
export function withInvertedLists(gallery: CompactGallery, previous?: InvertedLists): CompactGallery {
  const subjects = gallery.names.length;
  if (subjects < IVF_MIN_SUBJECTS) return { names: gallery.names, starts: gallery.starts, vectors: gallery.vectors };
  const means = subjectMeans(gallery);
  const reuse = previous !== undefined && subjects < previous.trainedOn * 4;
  const centroids = reuse ? previous.centroids : trainCentroids(sampleRows(means, TRAINING_SAMPLE, 7), listCountFor(subjects));
  const listOf = new Uint32Array(subjects);
  for (let s = 0; s < subjects; s += 1) listOf[s] = nearestList(centroids, row(means, s));
  return groupByList(gallery, listOf, centroids, reuse ? previous.trainedOn : subjects);
}
