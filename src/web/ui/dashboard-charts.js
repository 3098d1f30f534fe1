// The dashboard's three uPlot panels over the same time window: the queue and throughput, the instances (their
// own axis, 0 to the maximum, so that 2 instances stay readable beside a queue of 50), and the answer times
// (p50/p95 of each sample's last 10 s, measured by the web tier) against the autoscaler's latency target.

/** Narrowest x range: a short history does not stretch over the whole chart. */
const MIN_SPAN_SECONDS = 30;
const CURSOR = { sync: { key: 'scaleface-dashboard' }, drag: { x: false, y: false } };

const clockTime = (at) => new Date(at).toLocaleTimeString([], { hour12: false });
const seconds = (ms) => (ms === null || ms === undefined ? null : ms / 1000);

/** Each panel: its series (from a sample, with the status for the target) and its y scales and axes. */
const PANELS = {
  activity: {
    height: 220,
    series: [
      { label: 'Queued', stroke: '#d97706', scale: 'n', value: (s) => s.queued },
      { label: 'In flight', stroke: '#2563eb', scale: 'n', value: (s) => s.inFlight },
      { label: 'Throughput (req/s)', stroke: '#dc2626', scale: 'rate', value: (s) => s.throughput },
    ],
    scales: {
      n: { range: (_u, _min, max) => [0, Math.max(2, Math.ceil(max))] },
      rate: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max))] },
    },
    axes: [
      { scale: 'n', label: 'requests', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
      { scale: 'rate', side: 1, label: 'req/s', grid: { show: false } },
    ],
  },
  instances: {
    height: 190,
    series: [
      { label: 'Desired instances', stroke: '#7c3aed', scale: 'i', dash: [6, 4], value: (s) => s.desired },
      { label: 'Instances running', stroke: '#059669', scale: 'i', width: 3, value: (s) => s.running },
    ],
    scales: { i: { range: (_u, _min, max, view) => [0, Math.max(view.maxInstances ?? 1, Math.ceil(max), 1)] } },
    axes: [{ scale: 'i', label: 'instances', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }],
  },
  latency: {
    height: 190,
    series: [
      { label: 'p50 answer time', stroke: '#0891b2', scale: 's', points: true, value: (s) => seconds(s.latencyP50Ms) },
      { label: 'p95 answer time', stroke: '#be185d', scale: 's', width: 3, points: true, value: (s) => seconds(s.latencyP95Ms) },
      { label: 'Latency target (p95)', stroke: '#111827', scale: 's', dash: [2, 4], value: (_s, view) => seconds(view.latencyTargetMs) },
    ],
    scales: { s: { range: (_u, _min, max, view) => [0, Math.max(0.1, (max ?? 0) * 1.1, (seconds(view.latencyTargetMs) ?? 0) * 1.15)] } },
    axes: [{ scale: 's', label: 'seconds', values: (_u, ticks) => ticks.map((t) => `${Number(t.toFixed(2))} s`), size: 60 }],
    draw: drawTarget,
  },
};

/**
 * The target as a line across the whole plot, labelled: the target series only spans the samples held, a sliver
 * of a long window just after the page opened.
 */
function drawTarget(u, view) {
  const target = seconds(view.latencyTargetMs);
  if (target === null) return;
  const { ctx, bbox } = u;
  const y = Math.round(u.valToPos(target, 's', true));
  const dpr = window.devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = '#111827';
  ctx.fillStyle = '#111827';
  ctx.lineWidth = 1.5 * dpr;
  ctx.setLineDash([2 * dpr, 4 * dpr]);
  ctx.beginPath();
  ctx.moveTo(bbox.left, y);
  ctx.lineTo(bbox.left + bbox.width, y);
  ctx.stroke();
  ctx.font = `${12 * dpr}px system-ui, sans-serif`;
  // uPlot leaves the alignment of its last axis labels on the context.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  const text = `target ${Number(target.toFixed(1))} s (p95)`;
  // At the left: the newest answers, where the eye goes, are at the right.
  ctx.fillText(text, bbox.left + 4 * dpr, y - 4 * dpr);
  ctx.restore();
}

/**
 * The x range for a window: the last `windowSeconds` up to the newest sample, or (null: All) every sample held,
 * at least MIN_SPAN_SECONDS wide.
 */
export function xRange(first, last, windowSeconds) {
  if (last === null || last === undefined) return [Date.now() / 1000 - (windowSeconds ?? MIN_SPAN_SECONDS), Date.now() / 1000];
  if (windowSeconds !== null) return [last - windowSeconds, last];
  return [Math.min(first, last - MIN_SPAN_SECONDS), last];
}

function seriesOptions({ label, stroke, scale, width, dash, points }) {
  return { label, stroke, scale, width: width ?? 2, dash, points: points ? { show: true, size: 5, fill: stroke } : undefined };
}

function optionsOf(panel, width, view) {
  const scales = Object.fromEntries(Object.entries(panel.scales).map(([key, { range }]) => [key, { range: (u, min, max) => range(u, min, max, view) }]));
  const xs = () => view.samples;
  return {
    width,
    height: panel.height,
    cursor: CURSOR,
    scales: { x: { time: true, range: () => xRange(xs()[0]?.at / 1000, xs().at(-1)?.at / 1000, view.windowSeconds) }, ...scales },
    series: [{}, ...panel.series.map(seriesOptions)],
    axes: [{ values: (_u, ticks) => ticks.map((t) => clockTime(t * 1000)), space: 70 }, ...panel.axes],
    legend: { live: false },
    hooks: panel.draw ? { draw: [(u) => panel.draw(u, view)] } : {},
  };
}

/** Builds the three charts in their boxes (`#chart-<name>`) when first shown; `view` holds samples, window, target. */
export function createCharts(view) {
  const charts = {};
  const boxes = Object.fromEntries(Object.keys(PANELS).map((name) => [name, document.getElementById(`chart-${name}`)]));
  const dataOf = (panel) => [view.samples.map((s) => s.at / 1000), ...panel.series.map(({ value }) => view.samples.map((s) => value(s, view)))];
  const widthOf = (box) => Math.max(200, box.clientWidth || 600);

  return {
    charts,
    redraw() {
      for (const [name, panel] of Object.entries(PANELS)) {
        const box = boxes[name];
        if (box.offsetParent === null) continue; // hidden tab: drawn when shown
        if (!charts[name]) charts[name] = new window.uPlot(optionsOf(panel, widthOf(box), view), dataOf(panel), box);
        else charts[name].setData(dataOf(panel));
      }
    },
    resize() {
      for (const [name, chart] of Object.entries(charts)) chart.setSize({ width: widthOf(boxes[name]), height: PANELS[name].height });
    },
  };
}
