import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANSWER_WINDOW_MS, RecentAnswerTimes } from '../../src/observability/answer-times.js';

describe('RecentAnswerTimes', () => {
  test('p50 and p95 (nearest rank) of the answers inside the window; null when there are none', () => {
    const times = new RecentAnswerTimes({ capacity: 1000, windowMs: 10_000 });
    assert.deepEqual(times.percentiles(50_000), { p50Ms: null, p95Ms: null, count: 0 });
    // 100 answers of 1..100 ms, all recent: p50 = 50, p95 = 95.
    for (let ms = 100; ms >= 1; ms -= 1) times.record(45_000 + ms, ms);
    assert.deepEqual(times.percentiles(50_000), { p50Ms: 50, p95Ms: 95, count: 100 });
  });

  test('answers older than the window no longer count', () => {
    const times = new RecentAnswerTimes({ capacity: 100, windowMs: 10_000 });
    times.record(1000, 9000);
    times.record(12_000, 200);
    times.record(13_000, 400);
    assert.deepEqual(times.percentiles(13_500), { p50Ms: 200, p95Ms: 400, count: 2 });
    assert.deepEqual(times.percentiles(30_000), { p50Ms: null, p95Ms: null, count: 0 });
  });

  test('memory is bounded: past its capacity the ring keeps the newest answers', () => {
    const times = new RecentAnswerTimes({ capacity: 4, windowMs: 10_000 });
    for (let i = 0; i < 10; i += 1) times.record(1000 + i, i < 6 ? 5000 : 10 * i);
    assert.equal(times.size, 4);
    assert.deepEqual(times.percentiles(2000), { p50Ms: 70, p95Ms: 90, count: 4 });
  });

  test('the default window is 10 s', () => {
    assert.equal(ANSWER_WINDOW_MS, 10_000);
    const times = new RecentAnswerTimes();
    times.record(0, 100);
    assert.equal(times.percentiles(ANSWER_WINDOW_MS - 1).count, 1);
    assert.equal(times.percentiles(ANSWER_WINDOW_MS + 1).count, 0);
  });
});
