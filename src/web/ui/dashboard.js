// Dashboard tab: live status over Server-Sent Events (GET /v1/events, read by event-stream.js with the token),
// a uPlot chart of the last minutes, the instances and the autoscaler's decisions with their reasons.
import { el } from './api.js';
import { openEventStream } from './event-stream.js';

const KEEP_SECONDS = 10 * 60;
const MIN_WINDOW_SECONDS = 30;
const SERIES = [
  { key: 'queued', label: 'Queued', stroke: '#d97706', scale: 'n' },
  { key: 'inFlight', label: 'In flight', stroke: '#2563eb', scale: 'n' },
  { key: 'desired', label: 'Desired instances', stroke: '#7c3aed', scale: 'n', dash: [6, 4] },
  { key: 'running', label: 'Instances running', stroke: '#059669', scale: 'n', width: 3 },
  { key: 'throughput', label: 'Throughput (req/s)', stroke: '#dc2626', scale: 'rate' },
];

function chartOptions(width) {
  return {
    width,
    height: 280,
    scales: {
      // At least 30 s wide, so that a short history does not stretch over the whole chart.
      x: { time: true, range: (_u, min, max) => [Math.min(min, max - MIN_WINDOW_SECONDS), max] },
      n: { range: (_u, _min, max) => [0, Math.max(2, Math.ceil(max))] },
      rate: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max))] },
    },
    series: [{}, ...SERIES.map(({ label, stroke, scale, width: w, dash }) => ({ label, stroke, scale, width: w ?? 2, dash }))],
    axes: [
      { values: (_u, ticks) => ticks.map((t) => clockTime(t * 1000)), space: 70 },
      { scale: 'n', label: 'count', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] },
      { scale: 'rate', side: 1, label: 'req/s', grid: { show: false } },
    ],
    legend: { live: false },
  };
}

function clockTime(at) {
  return new Date(at).toLocaleTimeString([], { hour12: false });
}

function decisionItem(decision) {
  const change = decision.desired === decision.current ? 'hold' : decision.desired > decision.current ? 'up' : 'down';
  return el(
    'li',
    { class: `decision ${change}` },
    el('time', { datetime: new Date(decision.at).toISOString() }, clockTime(decision.at)),
    ' ',
    el('strong', {}, `${decision.current} → ${decision.desired}`),
    ' ',
    el('span', { class: 'reason' }, decision.reason),
  );
}

const KEEP_CHANGES = 30;
/** Decisions that launched or stopped instances, by time; kept here longer than the status lists them. */
const changes = new Map();

/** Newest first: the latest decision (whatever it was), then the recent scale-ups and scale-ins. */
function notableDecisions(decisions) {
  for (const decision of decisions) if (decision.desired !== decision.current) changes.set(decision.at, decision);
  while (changes.size > KEEP_CHANGES) changes.delete(changes.keys().next().value);
  const newest = decisions.at(-1);
  const older = [...changes.values()].filter((d) => d.at !== newest?.at).sort((a, b) => b.at - a.at);
  return newest ? [newest, ...older] : older;
}

function instanceRow(instance) {
  return el(
    'tr',
    { 'data-state': instance.state },
    el('th', { scope: 'row' }, instance.name),
    el('td', {}, instance.state),
    el('td', {}, instance.ready ? 'yes' : 'no'),
    el('td', {}, instance.busy ?? '–'),
  );
}

/** Fills the counters, the instance table, the decisions and the feed line from one status snapshot. */
function showStatus(status, sample, feedState) {
  const text = (id, value) => (document.getElementById(id).textContent = String(value));
  text('stat-queued', sample.queued);
  text('stat-in-flight', sample.inFlight);
  text('stat-running', sample.running);
  text('stat-desired', `${sample.desired} / ${status.maxInstances ?? '?'}`);
  text('stat-throughput', sample.throughput.toFixed(1));
  text('stat-dead-letters', status.deadLetterQueue?.visible ?? 0);
  const instances = status.instances ?? [];
  document.querySelector('#instances-table tbody').replaceChildren(...instances.map(instanceRow));
  document.getElementById('instances-empty').hidden = instances.length > 0;
  document.getElementById('decisions').replaceChildren(...notableDecisions(status.recentDecisions ?? []).map(decisionItem));
  feedState.textContent = status.autoscalerError ? `autoscaler: ${status.autoscalerError}` : `live, updated ${clockTime(sample.at)}`;
}

export function startDashboard() {
  const chartBox = document.getElementById('chart');
  const feedState = document.getElementById('feed-state');
  const samples = [];
  let chart;
  const view = { samples, get chart() { return chart; } };
  window.scaleface = { ...(window.scaleface ?? {}), dashboard: view };

  function chartData() {
    return [samples.map((s) => s.at / 1000), ...SERIES.map(({ key }) => samples.map((s) => s[key]))];
  }

  function redraw() {
    if (chartBox.offsetParent === null) return; // hidden tab: drawn when shown
    const width = chartBox.clientWidth || 600;
    if (!chart) chart = new window.uPlot(chartOptions(width), chartData(), chartBox);
    else chart.setData(chartData());
  }

  function addSamples(more) {
    samples.push(...more);
    const oldest = Date.now() - KEEP_SECONDS * 1000;
    while (samples.length && samples[0].at < oldest) samples.shift();
    redraw();
  }

  const events = openEventStream(
    '/v1/events',
    {
      // Sent on every (re)connection: the server's history replaces what this page had.
      history: (event) => {
        samples.length = 0;
        addSamples(JSON.parse(event.data).samples);
      },
      status: (event) => {
        const { status, sample } = JSON.parse(event.data);
        showStatus(status, sample, feedState);
        addSamples([sample]);
      },
      'status-error': (event) => (feedState.textContent = `status unavailable: ${JSON.parse(event.data).message}`),
    },
    (problem) => (feedState.textContent = problem),
  );
  document.addEventListener('scaleface:token', () => events.restart());
  window.addEventListener('resize', () => chart?.setSize({ width: chartBox.clientWidth, height: 280 }));

  return {
    resize() {
      redraw();
      chart?.setSize({ width: chartBox.clientWidth, height: 280 });
    },
  };
}
