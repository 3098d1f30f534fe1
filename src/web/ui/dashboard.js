// Dashboard tab: live status over Server-Sent Events (GET /v1/events, read by event-stream.js with the token),
// three uPlot panels over a chosen time window (dashboard-charts.js), the instances and the autoscaler's
// decisions: a sentence first, the policy's formula on hover and behind a disclosure.
import { el } from './api.js';
import { createCharts } from './dashboard-charts.js';
import { openEventStream } from './event-stream.js';

/** Samples kept by the page for "All": 6 h at one a second (the server sends its last 10 min on connect). */
const KEEP_SECONDS = 6 * 60 * 60;
const DEFAULT_WINDOW_SECONDS = 600;

function clockTime(at) {
  return new Date(at).toLocaleTimeString([], { hour12: false });
}

/** For a producer without `summary` (an older `up`): the change alone. */
function fallbackSummary({ desired, current }) {
  if (desired > current) return `Scaled up to ${desired}`;
  if (desired < current) return `Scaled in to ${desired}`;
  return `Holding at ${desired}`;
}

function decisionItem(decision) {
  const change = decision.desired === decision.current ? 'hold' : decision.desired > decision.current ? 'up' : 'down';
  return el(
    'li',
    { class: `decision ${change}` },
    el('time', { datetime: new Date(decision.at).toISOString() }, clockTime(decision.at)),
    ' ',
    el('strong', { class: 'change', 'aria-label': `from ${decision.current} to ${decision.desired} instances` }, `${decision.current} → ${decision.desired}`),
    ' ',
    el('span', { class: 'summary', title: decision.reason }, decision.summary ?? fallbackSummary(decision)),
    el('details', { class: 'formula' }, el('summary', {}, 'Formula'), el('code', {}, decision.reason)),
  );
}

/** A decision's element, made once: one re-shown every second keeps its open formula and its hover. */
const decisionElements = new Map();
function decisionElement(decision) {
  if (!decisionElements.has(decision.at)) decisionElements.set(decision.at, decisionItem(decision));
  return decisionElements.get(decision.at);
}

/** "0.42 s" p95 of the last 10 s of answers, against the target. */
function showLatency(sample, status) {
  const p95 = sample.latencyP95Ms;
  document.getElementById('stat-p95').textContent = p95 === null || p95 === undefined ? '–' : `${Number((p95 / 1000).toFixed(2))} s`;
  const target = status.latencyTargetMs;
  document.getElementById('stat-target').textContent = target === undefined ? '' : `target ${Number((target / 1000).toFixed(1))} s`;
}

const KEEP_CHANGES = 30;
/** Decisions that launched or stopped instances, by time; kept here longer than the status lists them. */
const changes = new Map();

/** Newest first: the latest decision (whatever it was), then the recent scale-ups and scale-ins. */
function notableDecisions(decisions, recentChanges) {
  for (const decision of [...recentChanges, ...decisions]) if (decision.desired !== decision.current) changes.set(decision.at, decision);
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
  const shown = notableDecisions(status.recentDecisions ?? [], status.recentChanges ?? []);
  document.getElementById('decisions').replaceChildren(...shown.map(decisionElement));
  for (const at of decisionElements.keys()) if (!shown.some((d) => d.at === at)) decisionElements.delete(at);
  showLatency(sample, status);
  feedState.textContent = status.autoscalerError ? `autoscaler: ${status.autoscalerError}` : `live, updated ${clockTime(sample.at)}`;
}

/** The time-window radio group: sets `view.windowSeconds` (null: All) and redraws. */
function setUpWindowChoice(view, redraw) {
  const group = document.getElementById('chart-window');
  for (const input of group.querySelectorAll('input[type="radio"]')) {
    input.checked = Number(input.value) === DEFAULT_WINDOW_SECONDS;
    input.addEventListener('change', () => {
      if (!input.checked) return;
      view.windowSeconds = input.value === 'all' ? null : Number(input.value);
      redraw();
    });
  }
}

export function startDashboard() {
  const feedState = document.getElementById('feed-state');
  const samples = [];
  const view = { samples, windowSeconds: DEFAULT_WINDOW_SECONDS, latencyTargetMs: null, maxInstances: null };
  const panels = createCharts(view);
  Object.defineProperties(view, {
    charts: { get: () => panels.charts, enumerable: true },
    // The queue chart, as before the panels were split (tests read its data).
    chart: { get: () => panels.charts.activity, enumerable: true },
  });
  window.scaleface = { ...(window.scaleface ?? {}), dashboard: view };
  setUpWindowChoice(view, () => panels.redraw());

  function addSamples(more) {
    samples.push(...more);
    const oldest = Date.now() - KEEP_SECONDS * 1000;
    while (samples.length && samples[0].at < oldest) samples.shift();
    panels.redraw();
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
        view.latencyTargetMs = status.latencyTargetMs ?? null;
        view.maxInstances = status.maxInstances ?? null;
        showStatus(status, sample, feedState);
        addSamples([sample]);
      },
      'status-error': (event) => (feedState.textContent = `status unavailable: ${JSON.parse(event.data).message}`),
    },
    (problem) => (feedState.textContent = problem),
  );
  document.addEventListener('scaleface:token', () => events.restart());
  window.addEventListener('resize', () => panels.resize());

  return {
    resize() {
      panels.redraw();
      panels.resize();
    },
  };
}
