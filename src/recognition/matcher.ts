/**
 * Who is this descriptor? Pure: no model, no I/O.
 *
 * Rule: take each subject's nearest example; the best subject wins when its distance is at most
 * `distanceThreshold` AND the next-best subject is at least `margin` farther. Anything else is Unknown.
 */
import { InvalidInputError } from '../domain/errors.js';
import { UNKNOWN_LABEL } from '../ports/recognizer.js';

export type Descriptor = ArrayLike<number>;

export interface SubjectExamples {
  readonly name: string;
  /** One descriptor per enrolled example (photos and their degraded copies). */
  readonly descriptors: readonly Descriptor[];
}

/** Every enrolled subject with its examples. */
export type GalleryIndex = readonly SubjectExamples[];

/** A gallery that finds its two nearest subjects itself (gallery-state.ts: a compact block and its index). */
export interface NearestSubjectSearch {
  twoNearest(probe: Float32Array): [Ranked?, Ranked?];
}

export interface MatchRules {
  readonly distanceThreshold: number;
  readonly margin: number;
}

/**
 * Chosen with `npm run bench -- --accuracy` (README, "Recognition accuracy") on descriptors of the face chip
 * (face-chip.ts): at as many false accepts as the previous rule (0.48/0.06) had on face-api's crop, it names
 * more genuine probes, no real stranger and no enrolled person as someone else; the course stays 10/10.
 */
export const DEFAULT_MATCH_RULES: MatchRules = { distanceThreshold: 0.52, margin: 0.08 };

export interface SubjectMatch {
  /** The subject's name, or `Unknown`. */
  readonly label: string;
  /** Distance to the nearest example of the best subject (also when refused); null when the gallery is empty. */
  readonly distance: number | null;
  /** The nearest subject, also when refused (absent when the gallery is empty): what an `Unknown` face was closest to. */
  readonly nearest?: string;
}

export function euclideanDistance(a: Descriptor, b: Descriptor): number {
  if (a.length !== b.length) {
    throw new InvalidInputError(`descriptors differ in length (${a.length} and ${b.length})`);
  }
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/**
 * Distance to the nearest of `examples`. Squared sums, and an example is dropped as soon as its partial
 * sum passes the nearest so far: a gallery of 100 subjects with ~15 examples each is ~1500 descriptors
 * per face, a noticeable share of a small image's time otherwise.
 */
function nearestDistance(examples: readonly Descriptor[], descriptor: Descriptor): number {
  let nearest = Number.POSITIVE_INFINITY;
  for (const example of examples) {
    if (example.length !== descriptor.length) euclideanDistance(example, descriptor); // throws the length error
    let sum = 0;
    for (let i = 0; i < descriptor.length && sum < nearest; i += 1) {
      const d = (example[i] as number) - (descriptor[i] as number);
      sum += d * d;
    }
    if (sum < nearest) nearest = sum;
  }
  return Math.sqrt(nearest);
}

export interface Ranked {
  readonly name: string;
  readonly distance: number;
}

/** The two nearest subjects (by their nearest example); subjects without examples are skipped. */
export function twoNearestSubjects(gallery: GalleryIndex, descriptor: Descriptor): [Ranked?, Ranked?] {
  let best: Ranked | undefined;
  let second: Ranked | undefined;
  for (const subject of gallery) {
    if (subject.descriptors.length === 0) continue;
    const candidate = { name: subject.name, distance: nearestDistance(subject.descriptors, descriptor) };
    if (best === undefined || candidate.distance < best.distance) {
      second = best;
      best = candidate;
    } else if (second === undefined || candidate.distance < second.distance) {
      second = candidate;
    }
  }
  return [best, second];
}

export function matchDescriptor(gallery: GalleryIndex | NearestSubjectSearch, descriptor: Descriptor, rules: MatchRules): SubjectMatch {
  const [best, second] = Array.isArray(gallery)
    ? twoNearestSubjects(gallery as GalleryIndex, descriptor)
    : (gallery as NearestSubjectSearch).twoNearest(descriptor instanceof Float32Array ? descriptor : Float32Array.from(descriptor));
  if (best === undefined) return { label: UNKNOWN_LABEL, distance: null };
  const lead = (second?.distance ?? Number.POSITIVE_INFINITY) - best.distance;
  const accepted = best.distance <= rules.distanceThreshold && lead >= rules.margin;
  return { label: accepted ? best.name : UNKNOWN_LABEL, distance: best.distance, nearest: best.name };
}
