/**
 * Machine-readable form of a load run's statistics (for `scaleface load --json`) and the extra
 * human-readable lines printed after the course's block.
 */
import { isFullySuccessful, type LatencySummary, type LoadStatistics } from './stats.js';

export const LOAD_REPORT_SCHEMA = 'scaleface.load-report/v1';

/** What was run; all optional so the report can be built from statistics alone. */
export interface LoadRunDescription {
  readonly url?: string;
  readonly files?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly startedAt?: Date;
}

export interface LoadJsonReport {
  readonly schema: typeof LOAD_REPORT_SCHEMA;
  readonly run: {
    readonly url?: string;
    readonly files?: number;
    readonly concurrency?: number;
    readonly timeoutMs?: number;
    readonly startedAt?: string;
  };
  readonly requests: {
    readonly total: number;
    readonly completed: number;
    readonly failed: number;
  };
  /** null when no expected labels were given. */
  readonly predictions: { readonly correct: number; readonly wrong: number; readonly unverified: number } | null;
  readonly durationSeconds: number;
  /** Nearest-rank percentiles over successfully completed requests; null when none completed. */
  readonly latencyMs: LatencySummary | null;
  /** Successfully completed requests per second. */
  readonly throughputPerSecond: number;
  readonly connectionRetries: { readonly total: number; readonly requestsRetried: number };
  readonly failuresByReason: Readonly<Record<string, number>>;
  /** Every request succeeded (and, with expected labels, every answer was correct). */
  readonly success: boolean;
}

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function roundLatency(latency: LatencySummary | null): LatencySummary | null {
  if (latency === null) return null;
  return {
    p50: round(latency.p50),
    p95: round(latency.p95),
    p99: round(latency.p99),
    average: round(latency.average),
    min: round(latency.min),
    max: round(latency.max),
  };
}

export function toJsonReport(stats: LoadStatistics, run: LoadRunDescription = {}): LoadJsonReport {
  const predictions =
    stats.correct === null ? null : { correct: stats.correct, wrong: stats.wrong ?? 0, unverified: stats.unverified ?? 0 };
  return {
    schema: LOAD_REPORT_SCHEMA,
    run: {
      url: run.url,
      files: run.files,
      concurrency: run.concurrency,
      timeoutMs: run.timeoutMs,
      startedAt: run.startedAt?.toISOString(),
    },
    requests: { total: stats.total, completed: stats.completed, failed: stats.failed },
    predictions,
    durationSeconds: round(stats.durationSeconds),
    latencyMs: roundLatency(stats.latencyMs),
    throughputPerSecond: round(stats.throughputPerSecond),
    connectionRetries: { ...stats.retries },
    failuresByReason: { ...stats.failuresByReason },
    success: isFullySuccessful(stats),
  };
}

/** Lines printed after the course's block: retries, failure reasons, unverified answers (may be empty). */
export function formatDiagnostics(stats: LoadStatistics): string[] {
  const lines: string[] = [];
  if (stats.retries.total > 0) {
    lines.push(`Connection retries: ${stats.retries.total} (${stats.retries.requestsRetried} requests retried)`);
  }
  const reasons = Object.entries(stats.failuresByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) lines.push(`Failures: ${reasons.map(([reason, count]) => `${reason} x${count}`).join(', ')}`);
  if (stats.unverified !== null && stats.unverified > 0) {
    lines.push(`Answers without an expected label in the CSV: ${stats.unverified}`);
  }
  return lines;
}
