import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressBar, renderProgressLine } from '../../src/load/progress.js';

function captureStream(isTTY: boolean): { writes: string[]; stream: { isTTY: boolean; write(text: string): boolean } } {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) > 0 } };
}

describe('progress bar', () => {
  test('renders a bar with counts and percent', () => {
    assert.equal(renderProgressLine(5, 10, 10, 'requests'), 'requests [#####-----] 5/10 50%');
    assert.equal(renderProgressLine(10, 10, 4, 'requests'), 'requests [####] 10/10 100%');
  });

  test('on a terminal, redraws in place and ends the line on finish', () => {
    const { writes, stream } = captureStream(true);
    const bar = createProgressBar({ stream, width: 4 });
    bar.update(1, 4);
    bar.update(1, 4); // unchanged: not redrawn
    bar.update(4, 4);
    bar.finish();
    assert.deepEqual(writes, ['\rrequests [#---] 1/4 25%', '\rrequests [####] 4/4 100%', '\n']);
  });

  test('elsewhere, one line per 10 % step', () => {
    const { writes, stream } = captureStream(false);
    const bar = createProgressBar({ stream });
    for (let done = 1; done <= 40; done += 1) bar.update(done, 40);
    bar.finish();
    assert.equal(writes.length, 10);
    assert.equal(writes[0], 'requests: 10% (4/40)\n');
    assert.equal(writes[9], 'requests: 100% (40/40)\n');
  });
});
