import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../src/domain/errors.js';
import { euclideanDistance, matchDescriptor, type GalleryIndex } from '../../src/recognition/matcher.js';

/** 2-d descriptors keep the distances easy to read; the matcher does not care about the length. */
const gallery: GalleryIndex = [
  { name: 'alice', descriptors: [[0, 0], [0.1, 0]] },
  { name: 'bob', descriptors: [[1, 0]] },
  { name: 'carol', descriptors: [[0, 1], [0, 0.9]] },
  { name: 'nobody-yet', descriptors: [] },
];

describe('matchDescriptor', () => {
  const cases: { name: string; probe: number[]; threshold: number; margin: number; label: string; distance: number | null }[] = [
    { name: 'exact example', probe: [0, 0], threshold: 0.5, margin: 0.04, label: 'alice', distance: 0 },
    { name: 'nearest example of a subject counts, not the first', probe: [0.12, 0], threshold: 0.5, margin: 0.04, label: 'alice', distance: 0.02 },
    { name: 'too far from everyone', probe: [0.5, 0.5], threshold: 0.5, margin: 0, label: 'Unknown', distance: Math.hypot(0.4, 0.5) },
    { name: 'at the threshold exactly is accepted', probe: [1, 0.25], threshold: 0.25, margin: 0, label: 'bob', distance: 0.25 },
    { name: 'just over the threshold', probe: [1, 0.26], threshold: 0.25, margin: 0, label: 'Unknown', distance: 0.26 },
    { name: 'near but only 0.02 ahead of the next subject', probe: [0.56, 0], threshold: 0.5, margin: 0.04, label: 'Unknown', distance: 0.44 },
    { name: 'ahead of the next subject by more than the margin', probe: [0.6, 0], threshold: 0.5, margin: 0.04, label: 'bob', distance: 0.4 },
    { name: 'margin 0 accepts being just ahead', probe: [0.56, 0], threshold: 0.5, margin: 0, label: 'bob', distance: 0.44 },
    { name: 'examples of one subject never compete with each other', probe: [0.05, 0], threshold: 0.5, margin: 0.3, label: 'alice', distance: 0.05 },
    { name: 'a large margin refuses even a close match', probe: [0, 0.6], threshold: 0.5, margin: 0.4, label: 'Unknown', distance: 0.3 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const match = matchDescriptor(gallery, c.probe, { distanceThreshold: c.threshold, margin: c.margin });
      assert.equal(match.label, c.label);
      if (c.distance === null) assert.equal(match.distance, null);
      else assert.ok(Math.abs((match.distance as number) - c.distance) < 1e-9, `distance ${match.distance} != ${c.distance}`);
    });
  }

  test('empty gallery: Unknown with a null distance', () => {
    assert.deepEqual(matchDescriptor([], [0, 0], { distanceThreshold: 1, margin: 0 }), { label: 'Unknown', distance: null });
  });

  test('subjects without examples are like no subjects', () => {
    const empty: GalleryIndex = [{ name: 'x', descriptors: [] }];
    assert.deepEqual(matchDescriptor(empty, [0, 0], { distanceThreshold: 1, margin: 0 }), { label: 'Unknown', distance: null });
  });

  test('a single subject has nobody to be ahead of', () => {
    const one: GalleryIndex = [{ name: 'solo', descriptors: [[0, 0]] }];
    assert.equal(matchDescriptor(one, [0.3, 0], { distanceThreshold: 0.5, margin: 10 }).label, 'solo');
  });

  test('works on Float32Array descriptors of 128 values', () => {
    const a = new Float32Array(128).fill(0.1);
    const b = new Float32Array(128).fill(0.2);
    const probe = new Float32Array(128).fill(0.11);
    const match = matchDescriptor([{ name: 'a', descriptors: [a] }, { name: 'b', descriptors: [b] }], probe, {
      distanceThreshold: 0.5,
      margin: 0.04,
    });
    assert.equal(match.label, 'a');
    assert.ok(Math.abs((match.distance as number) - Math.sqrt(128) * 0.01) < 1e-5);
  });
});

describe('euclideanDistance', () => {
  const cases: [number[], number[], number][] = [
    [[0, 0], [3, 4], 5],
    [[1, 2, 3], [1, 2, 3], 0],
    [[-1], [1], 2],
  ];
  for (const [a, b, expected] of cases) {
    test(`${JSON.stringify(a)} to ${JSON.stringify(b)} is ${expected}`, () => {
      assert.equal(euclideanDistance(a, b), expected);
    });
  }

  test('descriptors of different lengths are refused', () => {
    assert.throws(() => euclideanDistance([0, 0], [0, 0, 0]), InvalidInputError);
  });
});
