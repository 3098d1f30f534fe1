/**
 * One chart per trace: arrivals per second (grey area), the backlog (dashed) and each policy's billed
 * instances over time, with their own axes (arrivals and backlog left, instances right). Plain SVG, no library.
 */
import type { Timeline } from './engine.js';

const W = 760;
const H = 300;
const PAD = { left: 56, right: 48, top: 28, bottom: 44 };
const COLOURS: Record<string, string> = { scaleface: '#d62728', 'keda-hpa': '#1f77b4', 'aws-target-tracking': '#2ca02c', 'sagemaker-async': '#9467bd' };
const MAX_POINTS = 600;

/** Max over buckets, so that a one-tick burst stays visible after thinning. */
function thin(t: number[], v: number[]): Array<[number, number]> {
  const step = Math.max(1, Math.ceil(t.length / MAX_POINTS));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < t.length; i += step) out.push([t[i]!, Math.max(...v.slice(i, i + step))]);
  return out;
}

function path(points: Array<[number, number]>, x: (t: number) => number, y: (v: number) => number): string {
  return points.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function comparisonSvg(title: string, timelines: Record<string, Timeline>): string {
  const entries = Object.entries(timelines);
  const base = entries[0]?.[1] ?? { t: [0], arrivals: [0], backlog: [0], instances: [0] };
  const end = Math.max(1, ...entries.map(([, tl]) => tl.t.at(-1) ?? 0));
  const leftMax = Math.max(1, ...base.arrivals, ...base.backlog);
  const rightMax = Math.max(1, ...entries.flatMap(([, tl]) => tl.instances));
  const x = (t: number): number => PAD.left + (t / end) * (W - PAD.left - PAD.right);
  const yl = (v: number): number => H - PAD.bottom - (v / leftMax) * (H - PAD.top - PAD.bottom);
  const yr = (v: number): number => H - PAD.bottom - (v / rightMax) * (H - PAD.top - PAD.bottom);
  const arrivals = thin(base.t, base.arrivals);
  const area = `${path(arrivals, x, yl)}L${x(arrivals.at(-1)![0]).toFixed(1)},${yl(0)}L${x(0)},${yl(0)}Z`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD.left}" y="16" font-size="13">${esc(title)}</text>`,
    `<path d="${area}" fill="#ccc" stroke="none"/>`,
    `<path d="${path(thin(base.t, base.backlog), x, yl)}" fill="none" stroke="#555" stroke-dasharray="4 3"/>`,
    ...entries.map(([name, tl]) => `<path d="${path(thin(tl.t, tl.instances), x, yr)}" fill="none" stroke="${COLOURS[name] ?? '#000'}" stroke-width="1.5"/>`),
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#000"/>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end">${leftMax.toFixed(0)}</text>`,
    `<text x="${W - PAD.right + 4}" y="${PAD.top + 4}">${rightMax}</text>`,
    `<text x="${W - PAD.right}" y="${H - PAD.bottom + 14}" text-anchor="end">${end.toFixed(0)} s</text>`,
    `<text x="${PAD.left}" y="${H - PAD.bottom + 14}">grey: arrivals/s, dashed: backlog of ${esc(entries[0]?.[0] ?? '')} (left axis); lines: billed instances (right axis)</text>`,
    ...entries.map(([name], i) => `<text x="${PAD.left + i * 150}" y="${H - 8}" fill="${COLOURS[name] ?? '#000'}">${esc(name)}</text>`),
    '</svg>',
  ];
  return parts.join('\n');
}
