/**
 * What the dead-letter notifier remembers of the messages it has notified: bounded, so that a dead-letter queue
 * that keeps receiving does not grow the process's memory for ever.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NotifiedIds } from '../../src/system/dead-letter-notifier.js';

describe('NotifiedIds: the messages already notified, at most a bound of them', () => {
  test('remembers what it was given up to its bound, forgetting the oldest first', () => {
    const ids = new NotifiedIds(3);
    for (const id of ['a', 'b', 'c']) ids.add(id);
    assert.deepEqual(['a', 'b', 'c'].map((id) => ids.has(id)), [true, true, true]);
    ids.add('d');
    assert.equal(ids.size, 3);
    assert.deepEqual(['a', 'b', 'c', 'd'].map((id) => ids.has(id)), [false, true, true, true], 'the oldest is forgotten');
  });

  test('a million notices hold no more than the bound', () => {
    const ids = new NotifiedIds(1000);
    for (let n = 0; n < 1_000_000; n++) ids.add(`message-${n}`);
    assert.equal(ids.size, 1000);
    assert.ok(ids.has('message-999999') && ids.has('message-999000') && !ids.has('message-998999'));
  });

  test('adding an id it holds again does not grow it nor forget another', () => {
    const ids = new NotifiedIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('b');
    assert.equal(ids.size, 2);
    assert.ok(ids.has('a') && ids.has('b'));
  });

  test('the default bound is what the notifier documents', () => {
    assert.equal(new NotifiedIds().bound, 10_000);
  });
});
