/**
 * The benchmark's summary as a plain-text table for stdout (pure: a result document in, text out).
 */
import type { BenchResult } from './result.js';

type Row = readonly [measure: string, value: string, note?: string];

function field(result: BenchResult, name: string): number | null {
  const value = result[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function fixed(value: number | null, digits: number, unit = ''): string {
  return value === null ? 'n/a' : `${value.toFixed(digits)}${unit}`;
}

function text(result: BenchResult, name: string): string {
  const value = result[name];
  return typeof value === 'string' ? value : 'n/a';
}

function limitRows(r: BenchResult): Row[] {
  const workers = field(r, 'limit_workers');
  const images = field(r, 'limit_images');
  const limit: Row =
    workers === null
      ? ['(a) bare limit, all cores', 'skipped', '--skip-limit']
      : ['(a) bare limit, all cores', fixed(field(r, 'limit_img_per_s'), 2, ' img/s'), `${text(r, 'limit_engine')}; ${workers} workers, ${images} images, ${field(r, 'limit_correct')} correct`];
  const rows: Row[] = [
    limit,
    ['(a) bare recognize(), one thread', fixed(field(r, 'single_thread_median_ms'), 1, ' ms/img'), `median of ${field(r, 'single_thread_images')} images`],
  ];
  if (field(r, 'wasm_limit_img_per_s') === null) return rows;
  return [
    ...rows,
    ['(a) bare limit on wasm, all cores', fixed(field(r, 'wasm_limit_img_per_s'), 2, ' img/s'), `${text(r, 'wasm_engine')}; ${workers} workers, ${field(r, 'wasm_limit_correct')} correct; one thread ${fixed(field(r, 'wasm_single_thread_median_ms'), 1, ' ms/img')}`],
    ['(a) limit ÷ wasm limit', fixed(field(r, 'limit_over_wasm_limit'), 2, '×'), 'same machine, same run'],
    ['(a) onnx, one worker on every core', fixed(field(r, 'one_worker_limit_img_per_s'), 2, ' img/s'), text(r, 'one_worker_engine')],
  ];
}

function loadRows(r: BenchResult): Row[] {
  const requests = field(r, 'requests');
  const correct = field(r, 'correct');
  return [
    ['(b) end to end', fixed(field(r, 'end_to_end_img_per_s'), 2, ' img/s'), `${requests} requests at concurrency ${field(r, 'concurrency')}, ${fixed(field(r, 'duration_s'), 1, ' s')}`],
    ['(b) correct / failed', `${correct ?? 'n/a'} / ${field(r, 'failed')}`, `of ${requests}`],
    ['(b) latency p50 / p95 / p99', `${fixed(field(r, 'latency_p50_s'), 2)} / ${fixed(field(r, 'latency_p95_s'), 2)} / ${fixed(field(r, 'latency_p99_s'), 2)} s`],
    ['(b) latency average', fixed(field(r, 'avg_latency_s'), 3, ' s'), graderNote(r)],
    ['(c) ratio b / a', fixed(field(r, 'ratio'), 3)],
  ];
}

function graderNote(r: BenchResult): string {
  const avg = field(r, 'avg_latency_s');
  const limit = field(r, 'grader_avg_latency_limit_s') ?? 1.2;
  if (avg === null) return 'no answers';
  const verdict = avg < limit ? 'UNDER' : 'OVER';
  return `${verdict} the 2026 grader's ${limit} s bar (duration / requests = ${fixed(field(r, 'seconds_per_request'), 3, ' s')})`;
}

function systemRows(r: BenchResult): Row[] {
  return [
    ['(c) cold start → first answer', fixed(field(r, 'cold_first_answer_s'), 2, ' s'), 'one request at 0 instances'],
    ['(c) added latency p50, concurrency 1', fixed(field(r, 'added_latency_p50_ms'), 1, ' ms'), `end-to-end p50 ${fixed(field(r, 'warm_p50_ms'), 1, ' ms')} over ${field(r, 'warm_requests')} warm requests`],
    ['(c) peak RSS of one worker', fixed(field(r, 'peak_worker_rss_mb'), 0, ' MB'), 'largest process under up during (b)'],
    ['(c) peak RSS, whole system', fixed(field(r, 'peak_rss_mb'), 0, ' MB'), `up + workers; idle after enrollment ${fixed(field(r, 'idle_rss_mb'), 0, ' MB')}`],
    ['(c) peak instances / backlog', `${field(r, 'peak_instances') ?? 'n/a'} / ${field(r, 'peak_backlog') ?? 'n/a'}`],
    ['(c) scale in: last answer → 0', fixed(field(r, 'scale_in_s'), 2, ' s'), `autoscaler decided 0 after ${fixed(field(r, 'scale_in_decision_s'), 2, ' s')}`],
    ['enrollment (not timed above)', fixed(field(r, 'enroll_s'), 1, ' s')],
  ];
}

function cpuOf(r: BenchResult, name: string): number | null {
  const cpu = r.cpu_ms_per_request as Record<string, unknown> | null | undefined;
  const value = cpu?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function cpuRows(r: BenchResult): Row[] {
  const ms = (name: string) => fixed(cpuOf(r, name), 2, ' ms');
  return [
    ['(b) CPU per request: web tier', ms('web'), `/proc counters over ${cpuOf(r, 'answers_measured') ?? 'n/a'} answers (20 % to 90 % of the load)`],
    ['(b) CPU per request: workers outside model', ms('worker_overhead'), `workers ${ms('worker_total')} less the bare model's ${ms('model')}`],
    ['(b) CPU per request: load client', ms('load_client'), 'the bench process itself'],
    ['(b) (web + worker overhead) ÷ model', fixed(field(r, 'overhead_over_model'), 3), 'target <= 0.15'],
  ];
}

function machineLine(r: BenchResult): string {
  const m = r.machine;
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  return `${m.cpus} cpus (${m.cpu_model}), node ${m.node}, load average ${load(m.load_average_start)} at start, ${load(m.load_average_end)} at end`;
}

/** The whole summary: a heading, the machine, the workload, then measure | value | note. */
export function formatResultTable(result: BenchResult): string {
  const rows: Row[] = [...limitRows(result), ...loadRows(result), ...cpuRows(result), ...systemRows(result)];
  const width0 = Math.max(...rows.map((row) => row[0].length));
  const width1 = Math.max(...rows.map((row) => row[1].length));
  const rule = `${'-'.repeat(width0 + 2)}+${'-'.repeat(width1 + 2)}+${'-'.repeat(40)}`;
  const lines = rows.map(([measure, value, note]) => ` ${measure.padEnd(width0)} | ${value.padStart(width1)} | ${note ?? ''}`.trimEnd());
  return [
    `Scaleface benchmark, ${String(result.started_at)}`,
    machineLine(result),
    `workload: ${result.workload.name} (${result.workload.distinct_files} files, ${result.workload.gallery_subjects} enrolled subjects)`,
    rule,
    ...lines,
    rule,
  ].join('\n');
}

/**
 * The models of one run side by side: which model, what ran it, the bare limit, end to end, their ratio and the
 * largest worker's resident memory during the workload (one instance of that model).
 */
export function formatModelsTable(results: readonly BenchResult[]): string {
  const header = ['model', '(a) limit img/s', '(a) one thread ms/img', '(b) end to end img/s', 'ratio b/a', 'overhead/model CPU', 'worker RSS MB', 'failed', 'runtime'];
  const rows = results.map((r) => [
    text(r, 'model'),
    fixed(field(r, 'limit_img_per_s'), 2),
    fixed(field(r, 'single_thread_median_ms'), 1),
    fixed(field(r, 'end_to_end_img_per_s'), 2),
    fixed(field(r, 'ratio'), 3),
    fixed(field(r, 'overhead_over_model'), 3),
    fixed(field(r, 'peak_worker_rss_mb'), 0),
    String(field(r, 'failed') ?? 'n/a'),
    text(r, 'limit_engine'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return ['models side by side (same machine, same run, same images):', line(header), ...rows.map(line)].join('\n');
}
