/**
 * Synthetic subjects for the gallery bench's scale: a subject's centre is drawn from the Gaussian fitted to the
 * real subjects' mean descriptors with their sample covariance (mean + sum_k z_k (c_k - mean) / sqrt(n - 1),
 * z_k ~ N(0, 1) over the n real centres c_k: correlated dimensions, as real faces have), and its examples are that
 * centre plus the offsets (example - its subject's mean) of one real subject picked at random, so a synthetic
 * subject has as many examples, spread like a real one's degraded copies. Without real faces, the offsets are
 * Gaussian (sigma 0.03 per dimension, 9 examples) around centres of sigma 0.1. Seeded: the same run, the same gallery.
 */
import { DESCRIPTOR_DIMS } from '../../src/recognition/compact-gallery.js';
import type { RealSubject } from './real-faces.js';

export interface Distribution {
  readonly mean: Float64Array;
  /** Real centres minus the mean, divided by sqrt(n - 1); empty for the fallback (then `std` per dimension). */
  readonly spread: readonly Float64Array[];
  readonly std: Float64Array;
  /** Per real subject, its examples minus their mean. */
  readonly offsets: readonly (readonly Float32Array[])[];
}

export interface SyntheticSubject extends RealSubject {
  readonly centre: Float32Array;
}

/** mulberry32 */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || Number.MIN_VALUE)) * Math.cos(2 * Math.PI * next());
}

function meanOf(descriptors: readonly Float32Array[]): Float64Array {
  const mean = new Float64Array(DESCRIPTOR_DIMS);
  for (const d of descriptors) for (let i = 0; i < DESCRIPTOR_DIMS; i += 1) mean[i]! += d[i]! / descriptors.length;
  return mean;
}

export function fitDistribution(subjects: readonly RealSubject[]): Distribution {
  const centres = subjects.map((s) => meanOf(s.descriptors));
  const mean = new Float64Array(DESCRIPTOR_DIMS);
  const std = new Float64Array(DESCRIPTOR_DIMS);
  for (const c of centres) for (let i = 0; i < DESCRIPTOR_DIMS; i += 1) mean[i]! += c[i]! / centres.length;
  for (const c of centres) for (let i = 0; i < DESCRIPTOR_DIMS; i += 1) std[i]! += (c[i]! - mean[i]!) ** 2 / centres.length;
  for (let i = 0; i < DESCRIPTOR_DIMS; i += 1) std[i] = Math.sqrt(std[i]!);
  const offsets = subjects.map((s, k) => s.descriptors.map((d) => Float32Array.from(d, (v, i) => v - centres[k]![i]!)));
  const spread = centres.map((c) => Float64Array.from(c, (v, i) => (v - mean[i]!) / Math.sqrt(Math.max(1, centres.length - 1))));
  return { mean, spread, std, offsets };
}

export function fallbackDistribution(): Distribution {
  const next = seeded(99);
  const offsets = Array.from({ length: 50 }, () =>
    Array.from({ length: 9 }, () => Float32Array.from({ length: DESCRIPTOR_DIMS }, () => 0.03 * gaussian(next))),
  );
  return { mean: new Float64Array(DESCRIPTOR_DIMS), spread: [], std: new Float64Array(DESCRIPTOR_DIMS).fill(0.1), offsets };
}

function shifted(centre: Float32Array, offset: Float32Array): Float32Array {
  return Float32Array.from(centre, (v, i) => v + offset[i]!);
}

function drawCentre(dist: Distribution, next: () => number): Float32Array {
  if (dist.spread.length === 0) return Float32Array.from(dist.mean, (m, i) => m + dist.std[i]! * gaussian(next));
  const centre = Float64Array.from(dist.mean);
  for (const direction of dist.spread) {
    const z = gaussian(next);
    for (let i = 0; i < DESCRIPTOR_DIMS; i += 1) centre[i]! += z * direction[i]!;
  }
  return Float32Array.from(centre);
}

export function syntheticSubjects(dist: Distribution, count: number, seed: number): SyntheticSubject[] {
  const next = seeded(seed);
  return Array.from({ length: count }, (_, n) => {
    const centre = drawCentre(dist, next);
    const offsets = dist.offsets[Math.floor(next() * dist.offsets.length)]!;
    return { name: `synthetic-${n}`, centre, descriptors: offsets.map((o) => shifted(centre, o)) };
  });
}

/** A new face of each of `count` synthetic subjects: its centre plus an example offset of another real subject. */
export function syntheticProbes(dist: Distribution, subjects: readonly SyntheticSubject[], count: number, seed: number): { descriptor: Float32Array; subject: string }[] {
  const next = seeded(seed);
  return Array.from({ length: Math.min(count, subjects.length) }, () => {
    const subject = subjects[Math.floor(next() * subjects.length)]!;
    const offsets = dist.offsets[Math.floor(next() * dist.offsets.length)]!;
    return { descriptor: shifted(subject.centre, offsets[Math.floor(next() * offsets.length)]!), subject: subject.name };
  });
}
