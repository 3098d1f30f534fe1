import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromColumns, lastSample, peakOf, secondsUntilZero, toColumns } from '../../bench/timeline.js';
import { TIMELINE, sample } from './fixtures.js';

describe('secondsUntilZero (scale_in_s)', () => {
  test('counts from the last answer to the first sample where every instance is gone', () => {
    assert.equal(secondsUntilZero(TIMELINE, 20, 'instancesTotal'), 2);
  });

  test('pending + running reaches 0 before the stopping worker has exited', () => {
    assert.equal(secondsUntilZero(TIMELINE, 20, 'instances'), 1.5);
  });

  test('zeros before the starting point do not count', () => {
    assert.equal(secondsUntilZero(TIMELINE, 0.5, 'instancesTotal'), 21.5);
  });

  test('a sample exactly at the starting point counts, giving 0', () => {
    assert.equal(secondsUntilZero(TIMELINE, 22, 'instancesTotal'), 0);
  });

  test('null when the fleet never gets back to 0, or the status could not be read', () => {
    assert.equal(secondsUntilZero([sample(0, 2, 0, 1), sample(1, 1, 0, 1)], 0), null);
    assert.equal(secondsUntilZero([sample(0, null, null, null)], 0), null);
    assert.equal(secondsUntilZero([], 0), null);
  });
});

describe('peakOf', () => {
  test('the largest value of the whole timeline, or of a window', () => {
    assert.equal(peakOf(TIMELINE, 'rssMb'), 820.25);
    assert.equal(peakOf(TIMELINE, 'backlog'), 100);
    assert.equal(peakOf(TIMELINE, 'rssMb', 0, 1), 550);
    assert.equal(peakOf(TIMELINE, 'instances', 21.5, 30), 0);
  });

  test('unknown values are skipped; null when nothing is known', () => {
    assert.equal(peakOf([sample(0, null, null, null), sample(1, 3, 1, null)], 'instances'), 3);
    assert.equal(peakOf([sample(0, null, null, null)], 'rssMb'), null);
    assert.equal(peakOf([], 'rssMb'), null);
  });
});

describe('columns', () => {
  test('one array per quantity, the same length as the samples, and back again', () => {
    const columns = toColumns(TIMELINE);
    for (const array of Object.values(columns)) assert.equal(array.length, TIMELINE.length);
    assert.deepEqual(columns.instances_total.slice(-2), [1, 0]);
    assert.equal(columns.rss_mb[3], 820.3);
    const back = fromColumns(columns);
    assert.deepEqual(back.map((s) => s.tS), TIMELINE.map((s) => s.tS));
    assert.deepEqual(back.map((s) => s.instancesTotal), TIMELINE.map((s) => s.instancesTotal));
  });

  test('nulls survive the round trip', () => {
    const back = fromColumns(toColumns([sample(0.1234, null, 2, null)]));
    assert.deepEqual(back, [{ tS: 0.123, instances: null, instancesTotal: null, backlog: 2, rssMb: null, workerRssMb: null }]);
  });

  test('lastSample', () => {
    assert.equal(lastSample(TIMELINE)?.tS, 22);
    assert.equal(lastSample([]), undefined);
  });
});
