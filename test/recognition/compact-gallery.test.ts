/**
 * The compact gallery and its index against the plain matcher: the exact scan over the block (with its pruning)
 * finds the same two subjects as twoNearestSubjects; the inverted lists scanning every list do too, and its
 * snapshot survives encoding. Random descriptors, seeded.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DESCRIPTOR_DIMS, compactOf, twoNearestInGalleries } from '../../src/recognition/compact-gallery.js';
import { decodeRecord, decodeSnapshot, encodeRecord, encodeSnapshot } from '../../src/recognition/gallery-snapshot.js';
import { GalleryState } from '../../src/recognition/gallery-state.js';
import { IVF_MIN_SUBJECTS, withInvertedLists } from '../../src/recognition/inverted-lists.js';
import { twoNearestSubjects, type SubjectExamples } from '../../src/recognition/matcher.js';
import { MODEL_A } from './support.js';

function randoms(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
}

function subjects(count: number, seed: number): SubjectExamples[] {
  const next = randoms(seed);
  return Array.from({ length: count }, (_, s) => {
    const centre = Float32Array.from({ length: DESCRIPTOR_DIMS }, () => next() * 0.3);
    const examples = 1 + (s % 4);
    return { name: `s${s}`, descriptors: Array.from({ length: examples }, () => centre.map((v) => v + next() * 0.05)) };
  });
}

function probes(count: number, seed: number): Float32Array[] {
  const next = randoms(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: DESCRIPTOR_DIMS }, () => next() * 0.3));
}

const rounded = (pair: readonly ({ name: string; distance: number } | undefined)[]) => pair.map((r) => r && `${r.name}:${r.distance.toFixed(5)}`);

describe('CompactGallery', () => {
  test('the exact scan over the block finds the two subjects the plain matcher finds', () => {
    const gallery = subjects(300, 3);
    const compact = compactOf(gallery);
    for (const probe of probes(50, 4)) {
      const found = twoNearestInGalleries([{ gallery: compact, options: { probeLists: Number.POSITIVE_INFINITY } }], probe);
      assert.deepEqual(rounded(found), rounded(twoNearestSubjects(gallery, probe)));
    }
  });

  test('inverted lists group every subject once; scanning all lists is the exact answer; the snapshot round-trips', () => {
    const gallery = subjects(IVF_MIN_SUBJECTS + 100, 5);
    const indexed = withInvertedLists(compactOf(gallery));
    assert.ok(indexed.lists !== undefined);
    assert.deepEqual([...indexed.names].sort(), gallery.map((s) => s.name).sort());
    const decoded = decodeSnapshot(encodeSnapshot({ gallery: indexed, model: MODEL_A }), 'test');
    assert.deepEqual(decoded.model, MODEL_A);
    const state = new GalleryState(decoded.gallery);
    for (const probe of probes(10, 6)) {
      assert.deepEqual(rounded(state.twoNearest(probe, Number.POSITIVE_INFINITY)), rounded(twoNearestSubjects(gallery, probe)));
    }
    // A probe on a subject's own example is found through its list alone.
    const own = gallery[17]!.descriptors[0] as Float32Array;
    assert.equal(state.twoNearest(own, 1)[0]?.name, 's17');
  });

  test('logged changes mask the snapshot copy: a re-enrolled subject answers with its new examples, a removed one is gone', () => {
    const gallery = subjects(20, 7);
    const state = new GalleryState(compactOf(gallery));
    const moved = probes(1, 8)[0]!;
    const record = decodeRecord(encodeRecord({ op: 'enroll', subject: 's3', descriptors: [moved] }, MODEL_A), 'r1');
    state.apply(record.change);
    assert.deepEqual(state.twoNearest(moved)[0], { name: 's3', distance: 0 });
    state.apply(decodeRecord(encodeRecord({ op: 'delete', subject: 's5' }, MODEL_A), 'r2').change);
    assert.notEqual(state.twoNearest(gallery[5]!.descriptors[0] as Float32Array)[0]?.name, 's5');
    assert.equal(state.size, 19);
    assert.deepEqual(state.subjects().map((s) => s.name).filter((n) => n === 's3' || n === 's5'), ['s3']);
  });

  test('a truncated or foreign object is refused with a readable message', () => {
    const body = encodeSnapshot({ gallery: compactOf(subjects(5, 9)), model: MODEL_A });
    assert.throws(() => decodeSnapshot(body.subarray(0, body.length - 8), 'snap'), /snap is truncated/);
    assert.throws(() => decodeSnapshot(Buffer.from('{"format":1}'), 'snap'), /not a SFGS object/);
  });
});
