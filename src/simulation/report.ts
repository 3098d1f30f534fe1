/** The comparison as a Markdown table (what `scaleface simulate` prints) and as JSON rows (`--json FILE`). */
import { LOWER_BOUND, type ComparisonRow } from './compare.js';

const HEADER = ['trace', 'policy', 'setting', 'instance-s', 'cost $', 'p50 s', 'p95 s', 'p99 s', 'SLO s', 'over SLO', 'meets', 'scale events', '× bound'];

function bound(rows: readonly ComparisonRow[], trace: string): number | undefined {
  return rows.find((r) => r.trace === trace && r.policy === LOWER_BOUND)?.instance_seconds;
}

function cells(r: ComparisonRow, rows: readonly ComparisonRow[]): string[] {
  const b = bound(rows, r.trace);
  const ratio = b === undefined || b === 0 ? '' : (r.instance_seconds / b).toFixed(2);
  const policy = r.policy === 'scaleface' ? '**scaleface**' : r.policy;
  if (r.policy === LOWER_BOUND) return [r.trace, `*${policy}*`, r.setting, r.instance_seconds.toFixed(0), r.cost.toFixed(3), '', '', '', String(r.slo_s), `≤ ${r.slo_misses}`, '', '', ratio];
  return [r.trace, policy, r.setting, r.instance_seconds.toFixed(0), r.cost.toFixed(3), r.p50_s.toFixed(2), r.p95_s.toFixed(2), r.p99_s.toFixed(2), String(r.slo_s), String(r.slo_misses), r.meets_slo ? 'yes' : 'NO', String(r.scale_events), ratio];
}

export function comparisonTable(rows: readonly ComparisonRow[]): string {
  const line = (values: string[]): string => `| ${values.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...rows.map((r) => line(cells(r, rows)))].join('\n');
}

export interface Verdict {
  readonly trace: string;
  /** Ours meets the target with no more instance-seconds than every anchor that meets it. */
  readonly wins: boolean;
  readonly vsBound: number;
  readonly note: string;
}

/** Per trace: does ours meet the target, and cost no more than each anchor that does? */
export function verdicts(rows: readonly ComparisonRow[]): Verdict[] {
  const traces = [...new Set(rows.map((r) => r.trace))];
  return traces.map((trace) => {
    const ofTrace = rows.filter((r) => r.trace === trace);
    const ours = ofTrace.find((r) => r.policy === 'scaleface')!;
    const anchors = ofTrace.filter((r) => r.policy !== 'scaleface' && r.policy !== 'greedy-hindsight' && r.policy !== LOWER_BOUND);
    const beaten = anchors.filter((a) => a.meets_slo && a.instance_seconds < ours.instance_seconds).map((a) => a.policy);
    const b = bound(rows, trace) ?? ours.instance_seconds;
    const vsBound = b > 0 ? ours.instance_seconds / b : 1;
    const wins = ours.meets_slo && beaten.length === 0;
    const note = !ours.meets_slo ? `misses the target (p95 ${ours.p95_s} s)` : beaten.length > 0 ? `cheaper: ${beaten.join(', ')}` : 'meets the target at the lowest cost of the online policies';
    return { trace, wins, vsBound, note };
  });
}

export function verdictLines(rows: readonly ComparisonRow[]): string {
  return verdicts(rows)
    .map((v) => `${v.wins ? 'ok  ' : 'LOSS'} ${v.trace}: ${v.note}; ${v.vsBound.toFixed(2)} × the lower bound`)
    .join('\n');
}
