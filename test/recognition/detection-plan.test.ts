/** Which detector passes a frame gets (pure): one for a crop of one face, more scales for larger photos. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planDetection, tileStarts, type DetectionPass, type FrameSize } from '../../src/recognition/detection-plan.js';
import { DEFAULT_DETECTOR } from '../../src/recognition/embedder.js';

const settings = DEFAULT_DETECTOR;

function names(passes: readonly DetectionPass[]): string[] {
  return [...new Set(passes.map((p) => p.name))];
}

function tiles(frame: FrameSize): DetectionPass[] {
  return planDetection(frame, settings).passes.filter((p) => p.isTile);
}

describe('detection plan', () => {
  test('a 64 px crop of one face (bordered to 96 px) gets one pass, and other scales only while nothing is found', () => {
    const plan = planDetection({ width: 96, height: 96, originalLongSide: 64, hasBorder: true }, settings);
    assert.deepEqual(names(plan.passes), ['whole@160']);
    assert.deepEqual(names(plan.fallbacks), ['whole@128', 'whole@96', 'whole@224']);
  });

  test('a 501x700 photo also gets the frame at 416, a bordered pass for a face that fills it, and tiles', () => {
    const plan = planDetection({ width: 501, height: 700, originalLongSide: 700, hasBorder: false }, settings);
    assert.deepEqual(names(plan.passes), ['whole@160', 'bordered@160', 'whole@416', 'tile@416']);
    assert.deepEqual(plan.fallbacks, []);
  });

  test('a 250 px portrait (bordered to 375 px) is not tiled: the frame at 416 already reaches 40 px faces', () => {
    const plan = planDetection({ width: 375, height: 375, originalLongSide: 250, hasBorder: true }, settings);
    assert.deepEqual(names(plan.passes), ['whole@160', 'whole@416']);
  });

  for (const [width, height] of [[501, 700], [800, 533], [1920, 1280], [2048, 1536], [1638, 2048]] as const) {
    test(`tiles of a ${width}x${height} photo cover it, overlap by the largest face a tile finds, within the budget`, () => {
      const grid = tiles({ width, height, originalLongSide: Math.max(width, height), hasBorder: false });
      assert.ok(grid.length > 1 && grid.length <= settings.maxTiles, `${grid.length} tiles`);
      const side = grid[0]?.region.width ?? 0;
      const largestFace = (150 * side) / settings.largeInputSize;
      for (const x of [0, width / 2, width - 1]) {
        for (const y of [0, height / 2, height - 1]) {
          const covering = grid.filter(({ region: r }) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height);
          assert.ok(covering.length > 0, `(${x}, ${y}) is in no tile`);
        }
      }
      const xs = [...new Set(grid.map((p) => p.region.x))].sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i += 1) {
        assert.ok((xs[i - 1] as number) + side - (xs[i] as number) >= largestFace - 1, 'neighbours overlap by a face');
      }
    });
  }

  test('the tiles of a 700 px photo are small enough to find 40 px faces', () => {
    const grid = tiles({ width: 501, height: 700, originalLongSide: 700, hasBorder: false });
    const smallestFound = (45 * (grid[0]?.region.width ?? Infinity)) / settings.largeInputSize;
    assert.ok(smallestFound <= settings.minFaceSide, `smallest face found ${smallestFound}`);
  });

  test('tile starts span the length evenly, the last tile ending at its end', () => {
    assert.deepEqual(tileStarts(100, 200, 10), [0]);
    const starts = tileStarts(1000, 400, 150);
    assert.equal(starts[0], 0);
    assert.equal(starts.at(-1), 600);
    for (let i = 1; i < starts.length; i += 1) assert.ok(400 - ((starts[i] as number) - (starts[i - 1] as number)) >= 150);
  });
});
