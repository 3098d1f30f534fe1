/**
 * One row of the gallery bench: a gallery of N subjects (the real ones plus synthetic distractors) written as a
 * snapshot (with inverted lists), loaded by a GalleryCache as a starting worker does (folder store, and S3 on
 * fauxqs), then matched: as a worker does (DEFAULT_PROBE_LISTS), by the exact scan over the compact block, through
 * the inverted lists scanning 8 ... 256 of them, and by the matcher of commit ffd3ba0 (a scan over one
 * Float32Array per example) as the before figure.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { compactOf, type CompactGallery } from '../../src/recognition/compact-gallery.js';
import { GalleryCache } from '../../src/recognition/gallery.js';
import { bumpManifest, descriptorsKey, serializeDescriptors } from '../../src/recognition/gallery-layout.js';
import { encodeSnapshot } from '../../src/recognition/gallery-snapshot.js';
import type { GalleryState } from '../../src/recognition/gallery-state.js';
import { snapshotKey } from '../../src/recognition/gallery-store.js';
import { GalleryWriter } from '../../src/recognition/gallery-writer.js';
import { withInvertedLists } from '../../src/recognition/inverted-lists.js';
import { DEFAULT_MATCH_RULES, twoNearestSubjects, type GalleryIndex, type Ranked } from '../../src/recognition/matcher.js';
import type { ModelIdentity } from '../../src/recognition/model-identity.js';
import type { RealProbe, RealSubject } from './real-faces.js';


export interface BenchGallery {
  readonly subjects: readonly RealSubject[];
  readonly model: ModelIdentity;
}

/** The rule's answer and the nearest subject: what "equal answers" compares. */
export function answerOf([best, second]: [Ranked?, Ranked?]): string {
  if (best === undefined) return 'Unknown|';
  const lead = (second?.distance ?? Number.POSITIVE_INFINITY) - best.distance;
  const accepted = best.distance <= DEFAULT_MATCH_RULES.distanceThreshold && lead >= DEFAULT_MATCH_RULES.margin;
  return `${accepted ? best.name : 'Unknown'}|${best.name}`;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

/** The snapshot of `gallery` with its inverted lists, written under a new manifest, and how long building took. */
export async function publishSnapshot(store: ObjectStore, bucket: string, gallery: BenchGallery): Promise<{ buildS: number; bytes: number; compact: CompactGallery }> {
  const built = timed(() => withInvertedLists(compactOf(gallery.subjects)));
  const body = encodeSnapshot({ gallery: built.value, model: gallery.model });
  const id = randomUUID();
  await store.ensureBucket(bucket);
  await store.put(bucket, snapshotKey(id), body);
  await bumpManifest(store, bucket, gallery.model, 'bench', { snapshot: id, log: 0, subjects: gallery.subjects.length });
  return { buildS: built.ms / 1000, bytes: body.length, compact: built.value };
}

/**
 * The memory a loaded gallery holds: the snapshot's bytes (its typed arrays are views into them, no copy), the
 * subject names (V8 keeps short ASCII strings at one byte a character plus a 16-byte header, and 8 for the
 * array's slot); a bench gallery has no changes since its snapshot.
 * Counted, not sampled: a heap delta in a process that just built the same gallery says more about the collector.
 */
function galleryBytes(state: GalleryState): number {
  const { snapshot } = state;
  const names = snapshot.names.reduce((sum, name) => sum + name.length + 16 + 8, 0);
  return snapshot.vectors.buffer.byteLength + names;
}

/** A starting worker's load: seconds, and the memory the loaded gallery holds. */
export async function measureStart(store: ObjectStore, bucket: string, model: ModelIdentity): Promise<{ startS: number; mb: number; cache: GalleryCache }> {
  const cache = new GalleryCache(store, bucket, { refreshMs: 60_000, model });
  const started = performance.now();
  await cache.refreshIfChanged();
  const startS = (performance.now() - started) / 1000;
  return { startS, mb: galleryBytes(cache.state) / 2 ** 20, cache };
}

/** Commit ffd3ba0's start: one descriptors file per subject, read one after the other. */
export async function measureLegacyStart(store: ObjectStore, bucket: string, gallery: BenchGallery): Promise<number> {
  await store.ensureBucket(bucket);
  for (const s of gallery.subjects) {
    const examples = s.descriptors.map((descriptor, i) => ({ photo: `subjects/${s.name}/${i}.jpg`, variant: 'v', descriptor }));
    await store.put(bucket, descriptorsKey(s.name), serializeDescriptors({ subject: s.name, examples }, gallery.model));
  }
  await bumpManifest(store, bucket, gallery.model, 'bench, legacy layout');
  const { startS } = await measureStart(store, bucket, gallery.model);
  return startS;
}

export interface MatchFigures {
  readonly ivf: number[];
  readonly exact: number[];
  readonly before: number[];
  /** Probes whose index answer (rule's label and nearest subject) equals the exact scan's. */
  readonly equal: number;
  /** Probes whose rule's label alone equals the exact scan's. */
  readonly equalLabels: number;
  /** The exact scan's answers. */
  readonly answers: readonly string[];
}

const labelOf = (answer: string) => answer.split('|')[0];

/**
 * Each probe matched through the index and by the exact scan over `state`, and the first `beforeProbes` also by
 * ffd3ba0's matcher over `legacy` (its subjects as that commit held them; checked equal to the exact scan).
 * Every probe is matched once untimed first, so the timings are of compiled code.
 */
export function measureMatches(state: GalleryState, legacy: GalleryIndex, probes: readonly Float32Array[], beforeProbes: number, probeLists?: number): MatchFigures {
  const figures = { ivf: [] as number[], exact: [] as number[], before: [] as number[], equal: 0, equalLabels: 0, answers: [] as string[] };
  for (const probe of probes.slice(0, 5)) state.twoNearest(probe, probeLists);
  for (const [n, probe] of probes.entries()) {
    const ivf = timed(() => answerOf(state.twoNearest(probe, probeLists)));
    const exact = timed(() => answerOf(state.twoNearest(probe, Number.POSITIVE_INFINITY)));
    if (n < beforeProbes) {
      const before = timed(() => answerOf(twoNearestSubjects(legacy, probe)));
      if (before.value !== exact.value) throw new Error(`the exact scan answered ${exact.value}, ffd3ba0's matcher ${before.value}`);
      figures.before.push(before.ms);
    }
    figures.ivf.push(ivf.ms);
    figures.exact.push(exact.ms);
    if (ivf.value === exact.value) figures.equal += 1;
    if (labelOf(ivf.value) === labelOf(exact.value)) figures.equalLabels += 1;
    figures.answers.push(exact.value);
  }
  return figures;
}

/** The index alone with `probeLists` lists, against the exact answers already known. */
export function sweepLists(state: GalleryState, probes: readonly Float32Array[], exact: readonly string[], probeLists: number) {
  const times: number[] = [];
  let equal = 0;
  let equalLabels = 0;
  for (const [n, probe] of probes.entries()) {
    const ivf = timed(() => answerOf(state.twoNearest(probe, probeLists)));
    times.push(ivf.ms);
    if (ivf.value === exact[n]) equal += 1;
    if (labelOf(ivf.value) === labelOf(exact[n]!)) equalLabels += 1;
  }
  return { lists: probeLists, p50_ms: Math.round(percentile(times, 50) * 1000) / 1000, equal, equal_labels: equalLabels, of: probes.length };
}

/**
 * The rule on strangers: each probe matched with its own subject removed (a logged removal, as after a delete),
 * then put back. Returns the false accepts (named as anyone) and how many IVF answers equal the exact ones.
 */
export function measureStrangers(state: GalleryState, strangers: readonly RealProbe[], subjects: ReadonlyMap<string, readonly Float32Array[]>) {
  let falseAccepts = 0;
  let equal = 0;
  let equalLabels = 0;
  for (const probe of strangers) {
    state.apply({ op: 'delete', subject: probe.subject });
    const ivf = answerOf(state.twoNearest(probe.descriptor));
    const exact = answerOf(state.twoNearest(probe.descriptor, Number.POSITIVE_INFINITY));
    state.apply({ op: 'enroll', subject: probe.subject, descriptors: subjects.get(probe.subject) ?? [] });
    if (!exact.startsWith('Unknown|')) falseAccepts += 1;
    if (ivf === exact) equal += 1;
    if (labelOf(ivf) === labelOf(exact)) equalLabels += 1;
  }
  return { falseAccepts, equal, equalLabels };
}

/** Changes logged per second by GalleryWriter on top of the snapshot, and one compaction's seconds. */
export async function measureWrites(store: ObjectStore, bucket: string, gallery: BenchGallery, extra: readonly RealSubject[]): Promise<{ recordsPerS: number; compactionS: number }> {
  const writer = new GalleryWriter(store, bucket, gallery.model, { compactAfter: 1_000_000, invertedLists: true });
  const started = performance.now();
  for (const s of extra) await writer.record({ op: 'enroll', subject: `${s.name}-new`, descriptors: s.descriptors }, 'bench');
  const recordsPerS = extra.length / ((performance.now() - started) / 1000);
  // As shipped (no lists): what a compaction costs the web tier.
  const compacting = new GalleryWriter(store, bucket, gallery.model, { compactAfter: 1 });
  const compactStarted = performance.now();
  await compacting.record({ op: 'delete', subject: `${extra[0]?.name}-new` }, 'bench compaction');
  return { recordsPerS, compactionS: (performance.now() - compactStarted) / 1000 };
}
