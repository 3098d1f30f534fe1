/**
 * Statistics of a load run (pure: no I/O, no clock). The runner produces one RequestOutcome per
 * request; computeLoadStatistics turns them into the numbers the course's workload generator prints.
 *
 * Definitions:
 * - completed successfully: HTTP 200 whose body is `<stem>:<label>` (stem = file name without extension).
 * - failed: everything else (HTTP errors, timeouts, connection errors after all retries, other bodies).
 * - correct / wrong: only when expected labels are given (else `null`, printed as "N/A");
 *   a completed request whose stem has no expected label is neither, and is counted as `unverified`.
 * - latency: over the successfully completed requests only, the final attempt of each request
 *   (connection retries are counted apart); percentiles use the nearest-rank method:
 *   the p-th percentile of n sorted values is the value at rank ceil(p/100 * n) (1-based, at least 1).
 * - throughput: successfully completed requests per second of wall-clock test duration.
 */

export type RequestStatus = 'ok' | 'failed';

export interface RequestOutcome {
  /** Path of the image that was sent. */
  readonly file: string;
  /** File name without directory and extension; what the service must echo before the colon. */
  readonly stem: string;
  readonly status: RequestStatus;
  readonly httpStatus?: number;
  readonly body?: string;
  /** The label the service answered (only when status is 'ok'). */
  readonly label?: string;
  /** The expected label, when known; computeLoadStatistics also looks it up in `expectedLabels`. */
  readonly expected?: string;
  /** Latency of the final attempt, in milliseconds. */
  readonly latencyMs: number;
  /** Connection-error retries this request needed. */
  readonly retries: number;
  /** Why the request failed, e.g. "HTTP 500", "timeout", "connection error (ECONNREFUSED)". */
  readonly error?: string;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly average: number;
  readonly min: number;
  readonly max: number;
}

export interface LoadStatistics {
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  /** null when no expected labels were given. */
  readonly correct: number | null;
  readonly wrong: number | null;
  /** Completed requests whose stem has no expected label; null when no expected labels were given. */
  readonly unverified: number | null;
  readonly durationSeconds: number;
  /** null when no request completed successfully. */
  readonly latencyMs: LatencySummary | null;
  readonly throughputPerSecond: number;
  readonly retries: { readonly total: number; readonly requestsRetried: number };
  /** Failed requests grouped by their `error` text. */
  readonly failuresByReason: Readonly<Record<string, number>>;
}

export interface StatisticsOptions {
  /** Wall-clock duration of the whole run. */
  readonly durationMs: number;
  /** stem -> expected label; when given, correct/wrong are computed. */
  readonly expectedLabels?: ReadonlyMap<string, string>;
}

/** Decides whether an HTTP answer is a successful recognition of `stem`; returns the label if so. */
export function classifyAnswer(
  stem: string,
  httpStatus: number,
  body: string,
): { status: 'ok'; label: string } | { status: 'failed'; error: string } {
  if (httpStatus !== 200) return { status: 'failed', error: `HTTP ${httpStatus}` };
  const text = body.trim();
  const prefix = `${stem}:`;
  if (!text.startsWith(prefix)) return { status: 'failed', error: 'unexpected answer' };
  const label = text.slice(prefix.length).trim();
  if (label.length === 0) return { status: 'failed', error: 'unexpected answer' };
  return { status: 'ok', label };
}

/** Nearest-rank percentile of values sorted ascending; `p` in (0, 100]. */
export function nearestRankPercentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) throw new RangeError('percentile of an empty list');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile out of range: ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1] as number;
}

export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary | null {
  if (latenciesMs.length === 0) return null;
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    p50: nearestRankPercentile(sorted, 50),
    p95: nearestRankPercentile(sorted, 95),
    p99: nearestRankPercentile(sorted, 99),
    average: sum / sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

interface PredictionCounts {
  correct: number | null;
  wrong: number | null;
  unverified: number | null;
}

function countPredictions(completed: readonly RequestOutcome[], expectedLabels?: ReadonlyMap<string, string>): PredictionCounts {
  if (expectedLabels === undefined) return { correct: null, wrong: null, unverified: null };
  const counts = { correct: 0, wrong: 0, unverified: 0 };
  for (const outcome of completed) {
    const expected = outcome.expected ?? expectedLabels.get(outcome.stem);
    if (expected === undefined) counts.unverified += 1;
    else if (outcome.label === expected) counts.correct += 1;
    else counts.wrong += 1;
  }
  return counts;
}

function groupFailures(failed: readonly RequestOutcome[]): Record<string, number> {
  const groups: Record<string, number> = {};
  for (const outcome of failed) {
    const reason = outcome.error ?? 'failed';
    groups[reason] = (groups[reason] ?? 0) + 1;
  }
  return groups;
}

export function computeLoadStatistics(outcomes: readonly RequestOutcome[], options: StatisticsOptions): LoadStatistics {
  const completed = outcomes.filter((o) => o.status === 'ok');
  const failed = outcomes.filter((o) => o.status !== 'ok');
  const durationSeconds = Math.max(0, options.durationMs) / 1000;
  return {
    total: outcomes.length,
    completed: completed.length,
    failed: failed.length,
    ...countPredictions(completed, options.expectedLabels),
    durationSeconds,
    latencyMs: summarizeLatencies(completed.map((o) => o.latencyMs)),
    throughputPerSecond: durationSeconds > 0 ? completed.length / durationSeconds : 0,
    retries: {
      total: outcomes.reduce((acc, o) => acc + o.retries, 0),
      requestsRetried: outcomes.filter((o) => o.retries > 0).length,
    },
    failuresByReason: groupFailures(failed),
  };
}

function countOrNotApplicable(value: number | null): string {
  return value === null ? 'N/A' : String(value);
}

function milliseconds(value: number | undefined): string {
  return value === undefined ? 'N/A' : `${value.toFixed(1)} ms`;
}

/**
 * The course's statistics block, line for line, then latency and throughput lines.
 * Returned without a trailing newline.
 */
export function formatCourseStatistics(stats: LoadStatistics): string {
  const latency = stats.latencyMs ?? undefined;
  return [
    '+++++ Test Result Statistics +++++',
    `Total number of requests: ${stats.total}`,
    `Total number of requests completed successfully: ${stats.completed}`,
    `Total number of failed requests: ${stats.failed}`,
    `Total number of correct predictions : ${countOrNotApplicable(stats.correct)}`,
    `Total number of wrong predictions: ${countOrNotApplicable(stats.wrong)}`,
    `Total Test Duration: ${stats.durationSeconds.toFixed(3)} (seconds)`,
    '++++++++++++++++++++++++++++++++++++',
    `Latency p50: ${milliseconds(latency?.p50)}`,
    `Latency p95: ${milliseconds(latency?.p95)}`,
    `Latency p99: ${milliseconds(latency?.p99)}`,
    `Latency average: ${milliseconds(latency?.average)}`,
    `Throughput: ${stats.throughputPerSecond.toFixed(2)} requests/second`,
  ].join('\n');
}

/**
 * True when every request completed successfully and, with expected labels, every answer was
 * checked and correct. An empty run is not a success.
 */
export function isFullySuccessful(stats: LoadStatistics): boolean {
  if (stats.total === 0 || stats.failed > 0) return false;
  if (stats.correct === null) return true;
  return stats.wrong === 0 && stats.unverified === 0;
}
