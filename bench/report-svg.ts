/**
 * A self-contained SVG report of one benchmark run: the headline numbers, then hand-drawn polyline
 * charts of the instance count, the backlog and the system's resident memory over time, with the
 * phases (cold request, warm requests, the workload, back to 0) marked. No dependencies; pure.
 */
import type { BenchResult } from './result.js';
import { fromColumns } from './timeline.js';

export interface Series {
  readonly name: string;
  readonly color: string;
  /** One value per time; null leaves a gap. */
  readonly values: readonly (number | null)[];
}

export interface ChartSpec {
  readonly title: string;
  readonly times: readonly number[];
  readonly series: readonly Series[];
  readonly phases: readonly { name: string; tS: number }[];
  /** Where the chart's box starts, in SVG units from the top. */
  readonly top: number;
}

export const SVG_WIDTH = 960;
const CHART_HEIGHT = 180;
const CHART_GAP = 70;
const LEFT = 70;
const RIGHT = 30;
const HEADER_HEIGHT = 180;

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/** The smallest 1, 2 or 5 × 10^k at or above `value` (1 for anything <= 0): a readable axis top. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value - 1e-9) ?? 10;
  return step * power;
}

/** A multiple of a readable step (1, 2 or 5 × 10^k, about an eighth of `value`) at or above `value`. */
export function axisTop(value: number): number {
  if (!(value > 0)) return 1;
  const step = niceCeiling(value / 8);
  return Math.ceil(value / step - 1e-9) * step;
}

/** Points of `values` against `times`, one "x,y x,y" string per run of known values. */
export function polylineSegments(
  times: readonly number[],
  values: readonly (number | null)[],
  box: { left: number; top: number; width: number; height: number; xMax: number; yMax: number },
): string[] {
  const segments: string[] = [];
  let current: string[] = [];
  times.forEach((t, i) => {
    const value = values[i];
    if (value === null || value === undefined) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
      return;
    }
    const x = box.left + (box.xMax > 0 ? (t / box.xMax) * box.width : 0);
    const y = box.top + box.height - (box.yMax > 0 ? (value / box.yMax) * box.height : 0);
    current.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  if (current.length > 0) segments.push(current.join(' '));
  return segments;
}

function axes(spec: ChartSpec, width: number, xMax: number, yMax: number): string[] {
  const { top } = spec;
  const bottom = top + CHART_HEIGHT;
  const parts = [`<rect x="${LEFT}" y="${top}" width="${width}" height="${CHART_HEIGHT}" fill="#fafafa" stroke="#999"/>`];
  for (const fraction of [0, 0.5, 1]) {
    const y = bottom - fraction * CHART_HEIGHT;
    const label = Number.isInteger(yMax * fraction) ? String(yMax * fraction) : (yMax * fraction).toFixed(1);
    parts.push(`<line x1="${LEFT}" y1="${y}" x2="${LEFT + width}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${y + 4}" text-anchor="end">${label}</text>`);
  }
  const step = niceCeiling(xMax / 8);
  for (let t = 0; t <= xMax + 1e-9; t += step) {
    const x = LEFT + (t / xMax) * width;
    parts.push(`<text x="${x.toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${Math.round(t)} s</text>`);
  }
  parts.push(`<text x="${LEFT}" y="${top - 8}" font-weight="bold">${escapeXml(spec.title)}</text>`);
  return parts;
}

function phaseMarkers(spec: ChartSpec, width: number, xMax: number): string[] {
  return spec.phases
    .filter((p) => p.tS >= 0 && p.tS <= xMax)
    .flatMap((p, i) => {
      const x = (LEFT + (p.tS / xMax) * width).toFixed(1);
      const labelY = spec.top + 12 + (i % 3) * 13; // staggered: phases can be a fraction of a second apart
      const nearRightEdge = p.tS > xMax * 0.85;
      const label = nearRightEdge ? 'text-anchor="end" dx="-3"' : 'dx="3"';
      return [
        `<line x1="${x}" y1="${spec.top}" x2="${x}" y2="${spec.top + CHART_HEIGHT}" stroke="#888" stroke-dasharray="4 3"/>`,
        `<text x="${x}" y="${labelY}" ${label} fill="#555">${escapeXml(p.name)}</text>`,
      ];
    });
}

/** One chart: box, axes, phase markers, a polyline per series and its legend. */
export function renderChart(spec: ChartSpec): string {
  const width = SVG_WIDTH - LEFT - RIGHT;
  const xMax = axisTop(Math.max(1, ...spec.times));
  const known = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const yMax = axisTop(Math.max(1, ...known));
  const box = { left: LEFT, top: spec.top, width, height: CHART_HEIGHT, xMax, yMax };
  const lines = spec.series.flatMap((s) =>
    polylineSegments(spec.times, s.values, box).map(
      (points) => `<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${points}"/>`,
    ),
  );
  const legendText = spec.series.map((s) => `<tspan fill="${s.color}">■ ${escapeXml(s.name)}</tspan>`).join('  ');
  const legend = [`<text x="${LEFT + width}" y="${spec.top - 8}" text-anchor="end">${legendText}</text>`];
  return `<g>${[...axes(spec, width, xMax, yMax), ...phaseMarkers(spec, width, xMax), ...lines, ...legend].join('')}</g>`;
}

function headlineValue(result: BenchResult, name: string, unit: string, digits: number): string {
  const value = result[name];
  return typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(digits)}${unit}` : 'n/a';
}

function headerLines(result: BenchResult): string[] {
  const v = (name: string, unit: string, digits = 2) => headlineValue(result, name, unit, digits);
  return [
    `Scaleface benchmark ${String(result.started_at)}: ${result.workload.name}`,
    `${result.machine.cpus} cpus, node ${result.machine.node}, load average at start ${result.machine.load_average_start.map((x) => x.toFixed(2)).join(' ')}`,
    `limit (bare, all cores) ${v('limit_img_per_s', ' img/s')} | end to end ${v('end_to_end_img_per_s', ' img/s')} | ratio ${v('ratio', '', 3)}`,
    `${String(result.correct)} correct of ${String(result.requests)} at concurrency ${String(result.concurrency)} | latency avg ${v('avg_latency_s', ' s', 3)}, p50 ${v('latency_p50_s', ' s')}, p95 ${v('latency_p95_s', ' s')}, p99 ${v('latency_p99_s', ' s')}`,
    `cold start → first answer ${v('cold_first_answer_s', ' s')} | added latency p50 at concurrency 1 ${v('added_latency_p50_ms', ' ms', 1)}`,
    `peak RSS (up + workers) ${v('peak_rss_mb', ' MB', 0)} | scale in after the last answer ${v('scale_in_s', ' s')}`,
  ];
}

function phasesOf(result: BenchResult): { name: string; tS: number }[] {
  const phases = (result.phases_s ?? {}) as Record<string, unknown>;
  return Object.entries(phases)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([name, tS]) => ({ name, tS }));
}

/** The whole report as one SVG document. */
export function renderSvgReport(result: BenchResult): string {
  const samples = fromColumns(result.timeline);
  const times = samples.map((s) => s.tS);
  const phases = phasesOf(result);
  const top = (i: number) => HEADER_HEIGHT + i * (CHART_HEIGHT + CHART_GAP);
  const charts = [
    renderChart({ title: 'App-tier instances', times, phases, top: top(0), series: [
      { name: 'pending + running', color: '#1f77b4', values: samples.map((s) => s.instances) },
      { name: 'all listed (incl. stopping)', color: '#aec7e8', values: samples.map((s) => s.instancesTotal) },
    ] }),
    renderChart({ title: 'Backlog of the request queue (visible + in flight)', times, phases, top: top(1), series: [
      { name: 'backlog', color: '#d62728', values: samples.map((s) => s.backlog) },
    ] }),
    renderChart({ title: 'Resident memory of the whole system, MB (up + workers)', times, phases, top: top(2), series: [
      { name: 'RSS MB', color: '#2ca02c', values: samples.map((s) => s.rssMb) },
    ] }),
  ];
  const height = top(3) - CHART_GAP + 50;
  const header = headerLines(result).map((line, i) => `<text x="20" y="${28 + i * 20}"${i === 0 ? ' font-weight="bold"' : ''}>${escapeXml(line)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SVG_WIDTH}" height="${height}" viewBox="0 0 ${SVG_WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...header,
    ...charts,
    `<text x="20" y="${height - 12}" fill="#777">time in seconds since sampling began; dashed lines mark the phases</text>`,
    '</svg>',
    '',
  ].join('\n');
}
