/** Merging the boxes of several detector passes into one per face (pure). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DetectionPass } from '../../src/recognition/detection-plan.js';
import { isCutByTileEdge, mergeFoundBoxes, type FoundBox } from '../../src/recognition/face-boxes.js';

function found(x: number, y: number, side: number, score: number, passIndex: number): FoundBox {
  return { box: { x, y, width: side, height: side }, score, passIndex };
}

describe('merging found boxes', () => {
  test('the same face seen by two passes is kept once, as the earlier pass saw it', () => {
    const merged = mergeFoundBoxes([found(105, 98, 90, 0.95, 1), found(100, 100, 100, 0.7, 0)]);
    assert.deepEqual(merged, [found(100, 100, 100, 0.7, 0)]);
  });

  test('a part of a face is replaced by the whole face a later pass found with more confidence', () => {
    const merged = mergeFoundBoxes([found(600, 500, 900, 0.45, 0), found(-400, 350, 2200, 0.66, 1)]);
    assert.deepEqual(merged, [found(-400, 350, 2200, 0.66, 1)]);
  });

  test('faces side by side are all kept', () => {
    assert.equal(mergeFoundBoxes([found(0, 0, 50, 0.9, 0), found(60, 0, 50, 0.8, 0), found(120, 0, 50, 0.5, 1)]).length, 3);
  });

  test('a box around several faces does not swallow them', () => {
    const merged = mergeFoundBoxes([found(0, 0, 400, 0.6, 0), found(20, 20, 60, 0.5, 1), found(200, 200, 60, 0.5, 1)]);
    assert.equal(merged.length, 3);
  });

  test('a face cut by a tile edge inside the frame is dropped; at the frame edge it is kept', () => {
    const tile: DetectionPass = { name: 'tile@416', region: { x: 300, y: 0, width: 400, height: 400 }, borderFraction: 0, inputSize: 416, isTile: true };
    const frame = { width: 1000, height: 400 };
    assert.equal(isCutByTileEdge({ x: 300, y: 100, width: 80, height: 80 }, tile, frame), true, 'left edge is inside the frame');
    assert.equal(isCutByTileEdge({ x: 650, y: 100, width: 50, height: 50 }, tile, frame), true, 'right edge is inside the frame');
    assert.equal(isCutByTileEdge({ x: 400, y: 0, width: 80, height: 80 }, tile, frame), false, 'top edge is the frame edge');
    assert.equal(isCutByTileEdge({ x: 400, y: 100, width: 80, height: 80 }, tile, frame), false);
    const whole = { ...tile, name: 'whole@416', isTile: false };
    assert.equal(isCutByTileEdge({ x: 300, y: 100, width: 80, height: 80 }, whole, frame), false);
  });
});
