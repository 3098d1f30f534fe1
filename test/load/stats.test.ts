import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyAnswer,
  computeLoadStatistics,
  formatCourseStatistics,
  isFullySuccessful,
  nearestRankPercentile,
  summarizeLatencies,
  type RequestOutcome,
} from '../../src/load/stats.js';
import { formatDiagnostics, toJsonReport } from '../../src/load/report.js';

function ok(stem: string, label: string, latencyMs: number, retries = 0): RequestOutcome {
  return { file: `/imgs/${stem}.jpg`, stem, status: 'ok', httpStatus: 200, body: `${stem}:${label}`, label, latencyMs, retries };
}

function failed(stem: string, error: string, latencyMs: number, retries = 0): RequestOutcome {
  return { file: `/imgs/${stem}.jpg`, stem, status: 'failed', latencyMs, retries, error };
}

describe('nearestRankPercentile', () => {
  const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  test('ten values: p50 is the 5th, p95 and p99 the 10th', () => {
    assert.equal(nearestRankPercentile(oneToTen, 50), 5);
    assert.equal(nearestRankPercentile(oneToTen, 95), 10);
    assert.equal(nearestRankPercentile(oneToTen, 99), 10);
    assert.equal(nearestRankPercentile(oneToTen, 10), 1);
    assert.equal(nearestRankPercentile(oneToTen, 11), 2);
  });

  test('one value is every percentile', () => {
    for (const p of [1, 50, 95, 99, 100]) assert.equal(nearestRankPercentile([42], p), 42);
  });

  test('even count: p50 of four values is the 2nd (nearest rank, no interpolation)', () => {
    assert.equal(nearestRankPercentile([10, 20, 30, 40], 50), 20);
    assert.equal(nearestRankPercentile([10, 20, 30, 40], 75), 30);
    assert.equal(nearestRankPercentile([10, 20, 30, 40], 76), 40);
  });

  test('100 values: p95 is the 95th, p99 the 99th', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(nearestRankPercentile(values, 95), 95);
    assert.equal(nearestRankPercentile(values, 99), 99);
  });

  test('rejects an empty list and out-of-range percentiles', () => {
    assert.throws(() => nearestRankPercentile([], 50), RangeError);
    assert.throws(() => nearestRankPercentile([1], 0), RangeError);
    assert.throws(() => nearestRankPercentile([1], 101), RangeError);
  });

  test('summarizeLatencies sorts its input and averages it', () => {
    const summary = summarizeLatencies([30, 10, 40, 20]);
    assert.deepEqual(summary, { p50: 20, p95: 40, p99: 40, average: 25, min: 10, max: 40 });
    assert.equal(summarizeLatencies([]), null);
  });
});

describe('classifyAnswer', () => {
  test('HTTP 200 with <stem>:<label> is a success, whitespace trimmed', () => {
    assert.deepEqual(classifyAnswer('test_00', 200, 'test_00:Paul\n'), { status: 'ok', label: 'Paul' });
    assert.deepEqual(classifyAnswer('a:b', 200, 'a:b:Mary Jane'), { status: 'ok', label: 'Mary Jane' });
  });

  test('other statuses, other stems and empty labels are failures', () => {
    assert.deepEqual(classifyAnswer('test_00', 500, 'test_00:Paul'), { status: 'failed', error: 'HTTP 500' });
    assert.deepEqual(classifyAnswer('test_00', 200, 'test_01:Paul'), { status: 'failed', error: 'unexpected answer' });
    assert.deepEqual(classifyAnswer('test_00', 200, 'test_00:'), { status: 'failed', error: 'unexpected answer' });
    assert.deepEqual(classifyAnswer('test_00', 200, 'Paul'), { status: 'failed', error: 'unexpected answer' });
  });
});

describe('computeLoadStatistics', () => {
  const outcomes: RequestOutcome[] = [
    ok('a', 'Alice', 100),
    ok('b', 'Mallory', 300, 2),
    ok('c', 'Carol', 200),
    ok('x', 'Xavier', 400),
    failed('d', 'HTTP 500', 50),
    failed('e', 'connection error (ECONNREFUSED)', 1, 3),
    failed('f', 'HTTP 500', 60),
  ];
  const expected = new Map([
    ['a', 'Alice'],
    ['b', 'Bob'],
    ['c', 'Carol'],
    ['d', 'Dave'],
  ]);

  test('counts requests, predictions against the CSV, retries and failure reasons', () => {
    const stats = computeLoadStatistics(outcomes, { durationMs: 2000, expectedLabels: expected });
    assert.equal(stats.total, 7);
    assert.equal(stats.completed, 4);
    assert.equal(stats.failed, 3);
    assert.equal(stats.correct, 2); // a, c
    assert.equal(stats.wrong, 1); // b answered Mallory
    assert.equal(stats.unverified, 1); // x has no row
    assert.equal(stats.durationSeconds, 2);
    assert.equal(stats.throughputPerSecond, 2); // 4 completed in 2 s
    assert.deepEqual(stats.retries, { total: 5, requestsRetried: 2 });
    assert.deepEqual(stats.failuresByReason, { 'HTTP 500': 2, 'connection error (ECONNREFUSED)': 1 });
    // latency over completed requests only: 100, 200, 300, 400
    assert.deepEqual(stats.latencyMs, { p50: 200, p95: 400, p99: 400, average: 250, min: 100, max: 400 });
    assert.equal(isFullySuccessful(stats), false);
  });

  test('an expected label on the outcome itself wins over the map', () => {
    const stats = computeLoadStatistics([{ ...ok('b', 'Mallory', 5), expected: 'Mallory' }], {
      durationMs: 1000,
      expectedLabels: expected,
    });
    assert.equal(stats.correct, 1);
    assert.equal(stats.wrong, 0);
  });

  test('without a CSV, correct/wrong are not applicable', () => {
    const stats = computeLoadStatistics(outcomes, { durationMs: 2000 });
    assert.equal(stats.correct, null);
    assert.equal(stats.wrong, null);
    assert.equal(stats.unverified, null);
    assert.equal(stats.completed, 4);
  });

  test('success needs no failures and, with a CSV, only correct answers', () => {
    const allOk = [ok('a', 'Alice', 10), ok('c', 'Carol', 20)];
    assert.equal(isFullySuccessful(computeLoadStatistics(allOk, { durationMs: 100 })), true);
    assert.equal(isFullySuccessful(computeLoadStatistics(allOk, { durationMs: 100, expectedLabels: expected })), true);
    const wrong = [ok('a', 'Bob', 10)];
    assert.equal(isFullySuccessful(computeLoadStatistics(wrong, { durationMs: 100 })), true);
    assert.equal(isFullySuccessful(computeLoadStatistics(wrong, { durationMs: 100, expectedLabels: expected })), false);
    assert.equal(isFullySuccessful(computeLoadStatistics([], { durationMs: 100 })), false);
  });

  test('no completed request: no latency, zero throughput', () => {
    const stats = computeLoadStatistics([failed('d', 'timeout', 9)], { durationMs: 0 });
    assert.equal(stats.latencyMs, null);
    assert.equal(stats.throughputPerSecond, 0);
  });
});

describe('formatCourseStatistics', () => {
  test('prints the course block line for line, then latency and throughput', () => {
    const outcomes = [ok('a', 'Alice', 100), ok('b', 'Mallory', 300), failed('c', 'HTTP 500', 5)];
    const stats = computeLoadStatistics(outcomes, {
      durationMs: 1234.5678,
      expectedLabels: new Map([
        ['a', 'Alice'],
        ['b', 'Bob'],
      ]),
    });
    assert.equal(
      formatCourseStatistics(stats),
      [
        '+++++ Test Result Statistics +++++',
        'Total number of requests: 3',
        'Total number of requests completed successfully: 2',
        'Total number of failed requests: 1',
        'Total number of correct predictions : 1',
        'Total number of wrong predictions: 1',
        'Total Test Duration: 1.235 (seconds)',
        '++++++++++++++++++++++++++++++++++++',
        'Latency p50: 100.0 ms',
        'Latency p95: 300.0 ms',
        'Latency p99: 300.0 ms',
        'Latency average: 200.0 ms',
        'Throughput: 1.62 requests/second',
      ].join('\n'),
    );
  });

  test('without a CSV the prediction lines say N/A; without completions latency says N/A', () => {
    const stats = computeLoadStatistics([failed('c', 'HTTP 500', 5)], { durationMs: 500 });
    const lines = formatCourseStatistics(stats).split('\n');
    assert.equal(lines[4], 'Total number of correct predictions : N/A');
    assert.equal(lines[5], 'Total number of wrong predictions: N/A');
    assert.equal(lines[8], 'Latency p50: N/A');
    assert.equal(lines[12], 'Throughput: 0.00 requests/second');
  });
});

describe('report', () => {
  const outcomes = [ok('a', 'Alice', 100.12345, 1), failed('c', 'HTTP 500', 5), failed('d', 'HTTP 500', 5)];

  test('toJsonReport carries the same numbers', () => {
    const stats = computeLoadStatistics(outcomes, { durationMs: 2000, expectedLabels: new Map([['a', 'Alice']]) });
    const report = toJsonReport(stats, { url: 'http://127.0.0.1:8000/', concurrency: 4, startedAt: new Date(0) });
    assert.equal(report.schema, 'scaleface.load-report/v1');
    assert.deepEqual(report.requests, { total: 3, completed: 1, failed: 2 });
    assert.deepEqual(report.predictions, { correct: 1, wrong: 0, unverified: 0 });
    assert.equal(report.latencyMs?.p50, 100.123);
    assert.equal(report.throughputPerSecond, 0.5);
    assert.deepEqual(report.connectionRetries, { total: 1, requestsRetried: 1 });
    assert.deepEqual(report.failuresByReason, { 'HTTP 500': 2 });
    assert.equal(report.run.startedAt, '1970-01-01T00:00:00.000Z');
    assert.equal(report.success, false);
    assert.deepEqual(JSON.parse(JSON.stringify(report)).predictions, report.predictions);
  });

  test('toJsonReport without a CSV has null predictions', () => {
    assert.equal(toJsonReport(computeLoadStatistics(outcomes, { durationMs: 1 })).predictions, null);
  });

  test('formatDiagnostics lists retries and failure reasons', () => {
    const stats = computeLoadStatistics(outcomes, { durationMs: 2000, expectedLabels: new Map() });
    assert.deepEqual(formatDiagnostics(stats), [
      'Connection retries: 1 (1 requests retried)',
      'Failures: HTTP 500 x2',
      'Answers without an expected label in the CSV: 1',
    ]);
  });
});
