/**
 * The face chip's arithmetic (src/recognition/face-chip.ts): the similarity found from landmarks, and the
 * bilinear sampling with mirrored edges. A real-photo check of what the chip buys is the accuracy bench.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHIP_SIDE, anchorsOf, chipTransformFor, sampleChip, similarityTransform, type ChipPoint, type ChipTransform } from '../../src/recognition/face-chip.js';

function apply(t: ChipTransform, p: ChipPoint): ChipPoint {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

/** 68 points of which only the anchors' groups matter: every eye point at its eye's centre, the mouth likewise. */
function landmarksAt(leftEye: ChipPoint, rightEye: ChipPoint, mouth: ChipPoint): ChipPoint[] {
  return Array.from({ length: 68 }, (_, i) => (i >= 36 && i < 42 ? leftEye : i >= 42 && i < 48 ? rightEye : i >= 48 ? mouth : { x: 0, y: 0 }));
}

function rotate(p: ChipPoint, about: ChipPoint, radians: number): ChipPoint {
  const [c, s] = [Math.cos(radians), Math.sin(radians)];
  return { x: about.x + c * (p.x - about.x) - s * (p.y - about.y), y: about.y + s * (p.x - about.x) + c * (p.y - about.y) };
}

describe('the face chip', () => {
  test('the least-squares similarity recovers a known rotation, scale and shift exactly', () => {
    const known: ChipTransform = { a: 2 * Math.cos(0.3), b: 2 * Math.sin(0.3), tx: 40, ty: -7 };
    const from = [{ x: 1, y: 2 }, { x: 30, y: 5 }, { x: 12, y: 40 }, { x: -3, y: 9 }];
    const found = similarityTransform(from, from.map((p) => apply(known, p)));
    for (const key of ['a', 'b', 'tx', 'ty'] as const) assert.ok(Math.abs(found[key] - known[key]) < 1e-9, `${key}: ${found[key]} vs ${known[key]}`);
  });

  test('a tilted face comes out upright: its eyes land on one chip row, at the same places as an upright face\'s', () => {
    const upright = landmarksAt({ x: 100, y: 100 }, { x: 160, y: 100 }, { x: 130, y: 170 });
    const centre = { x: 130, y: 125 };
    const tilted = upright.map((p) => rotate(p, centre, (25 * Math.PI) / 180));
    const [eyeL, eyeR] = anchorsOf(tilted);
    const straight = chipTransformFor(upright);
    const turned = chipTransformFor(tilted);
    // Scale is the same; the angle of the chip's x axis in the frame is the head's tilt.
    assert.ok(Math.abs(Math.hypot(straight.a, straight.b) - Math.hypot(turned.a, turned.b)) < 1e-9);
    assert.ok(Math.abs(Math.atan2(turned.b, turned.a) - Math.atan2(straight.b, straight.a) - (25 * Math.PI) / 180) < 1e-9);
    // The eyes' chip rows are equal to a hundredth of a pixel (the chip is level; the template's eyes are level to 1e-5).
    const toChip = (t: ChipTransform, p: ChipPoint) => {
      const det = t.a * t.a + t.b * t.b;
      const [x, y] = [p.x - t.tx, p.y - t.ty];
      return { x: (t.a * x + t.b * y) / det, y: (-t.b * x + t.a * y) / det };
    };
    assert.ok(Math.abs(toChip(turned, eyeL!).y - toChip(turned, eyeR!).y) < 0.01);
    assert.ok(toChip(turned, eyeL!).x < CHIP_SIDE / 2 && toChip(turned, eyeR!).x > CHIP_SIDE / 2, 'the image-left eye stays on the chip\'s left');
  });

  test('sampling: whole pixels are copied, half pixels averaged, and the edges mirror', () => {
    const [width, height] = [4, 3];
    const data = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(10 * x + 100 * y, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const frame = { data, width, height };
    const identity = sampleChip(frame, { a: 1, b: 0, tx: 0, ty: 0 }, 3);
    assert.deepEqual(Array.from(identity.filter((_, i) => i % 3 === 0)), [0, 10, 20, 100, 110, 120, 200, 210, 220]);
    const half = sampleChip(frame, { a: 1, b: 0, tx: 0.5, ty: 0 }, 1);
    assert.equal(half[0], 5);
    // One pixel left of the frame repeats column 0; one past the right edge repeats the last column.
    assert.equal(sampleChip(frame, { a: 1, b: 0, tx: -1, ty: 0 }, 1)[0], 0);
    assert.equal(sampleChip(frame, { a: 1, b: 0, tx: 4, ty: 0 }, 1)[0], 30);
  });
});
