import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { QueueWakeups } from '../../../src/adapters/queue/queue-wakeups.js';

describe('QueueWakeups', () => {
  test('change events of one turn cost one look per waited-on queue, and wake its waiters', async () => {
    const looked: string[] = [];
    const wakeups = new QueueWakeups(() => 60_000, (queue) => (looked.push(queue), true));
    const woken = wakeups.wait('requests', 60_000, []);
    for (let i = 0; i < 5; i += 1) wakeups.pollSoon();
    await woken;
    assert.deepEqual(looked, ['requests']);
    wakeups.pollSoon();
    await nextTurn();
    assert.deepEqual(looked, ['requests'], 'nobody waits any more: no look');
  });

  test('a later turn looks again', async () => {
    let looks = 0;
    const wakeups = new QueueWakeups(() => 60_000, () => (looks++, false));
    const controller = new AbortController();
    const waiting = wakeups.wait('replies', 60_000, [controller.signal]);
    wakeups.pollSoon();
    await nextTurn();
    wakeups.pollSoon();
    wakeups.pollSoon();
    await nextTurn();
    assert.equal(looks, 2);
    controller.abort();
    await waiting;
  });
});
