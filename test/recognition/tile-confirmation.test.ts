/** Which finds need a second look, and where it looks (pure). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DetectionPass } from '../../src/recognition/detection-plan.js';
import { dropUnconfirmedLargeBoxes, isTileOnly, type FoundBox } from '../../src/recognition/face-boxes.js';
import { confirmationPasses, DEFAULT_TILE_CONFIRMATION } from '../../src/recognition/tile-confirmation.js';

const frame = { width: 800, height: 800 };
const wholeAt416: DetectionPass = { name: 'whole@416', region: { x: 0, y: 0, ...frame }, borderFraction: 0, inputSize: 416, isTile: false };
const borderedAt160: DetectionPass = { ...wholeAt416, name: 'bordered@160', borderFraction: 0.25, inputSize: 160 };
const tile: DetectionPass = { name: 'tile@416', region: { x: 0, y: 0, width: 369, height: 369 }, borderFraction: 0, inputSize: 416, isTile: true };
const passes = [wholeAt416, borderedAt160, tile];

function found(x: number, y: number, side: number, passIndex: number): FoundBox {
  return { box: { x, y, width: side, height: side }, score: 0.5, passIndex };
}

describe('tile confirmation', () => {
  test('a box larger than its pass sees reliably is dropped unless a pass in range found it too', () => {
    // whole@416 on 800 px sees 87-288 px faces reliably; bordered@160 338-1125 px.
    const huge = found(0, 100, 680, 0);
    assert.deepEqual(dropUnconfirmedLargeBoxes([huge], passes), []);
    const twin = found(20, 110, 650, 1);
    assert.deepEqual(dropUnconfirmedLargeBoxes([huge, twin], passes), [huge, twin]);
    assert.deepEqual(dropUnconfirmedLargeBoxes([found(100, 100, 200, 0)], passes).length, 1, 'in range');
  });

  test('a face is tile-only when no whole-frame pass found the same face', () => {
    const inTile = found(100, 100, 60, 2);
    assert.equal(isTileOnly(inTile, [inTile], passes), true);
    assert.equal(isTileOnly(inTile, [inTile, found(102, 98, 62, 0)], passes), false);
    assert.equal(isTileOnly(inTile, [inTile, found(400, 400, 62, 0)], passes), true, 'another face elsewhere');
  });

  test('the second look sees a crop of 2.2x the box around it, clipped to the frame, at 160 and 224', () => {
    const looks = confirmationPasses({ x: 100, y: 740, width: 50, height: 50 }, frame, DEFAULT_TILE_CONFIRMATION);
    assert.deepEqual(looks.map((p) => p.inputSize), [160, 224]);
    assert.deepEqual(looks[0]!.region, { x: 70, y: 710, width: 110, height: 90 });
    assert.ok(looks.every((p) => !p.isTile && p.borderFraction === 0));
  });
});
