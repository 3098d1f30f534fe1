import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { RunningSystem } from '../../src/system/up.js';
import { blankJpeg, demoPhoto } from '../helpers/images.js';
import { artifactsDir, openPageSession, uploadPlain, type PageSession } from './support.js';

/** What the page exposes of a uPlot chart. */
interface ChartView {
  data: (number | null)[][];
  scales: Record<string, { min: number; max: number }>;
  series: { label?: string; scale?: string }[];
}
interface DashboardView {
  samples: { at: number; latencyP50Ms: number | null; latencyP95Ms: number | null }[];
  windowSeconds: number | null;
  charts: { activity: ChartView; instances: ChartView; latency: ChartView };
}
type ViewWindow = Window & { scaleface: { dashboard: DashboardView } };

/** Seconds on the x axis are epoch seconds: their differences carry float error. */
function assertSpan(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 0.01, `${what}: ${actual} s, expected ${expected} s`);
}

/** The series labels and x/y ranges of one chart, read in the page. */
function readChart(page: Page, name: keyof DashboardView['charts']) {
  return page.evaluate((key) => {
    const chart = (window as unknown as ViewWindow).scaleface.dashboard.charts[key];
    const labels = chart.series.slice(1).map((s) => String(s.label));
    const y = chart.series[1]!.scale!;
    return { labels, xSpan: chart.scales.x!.max - chart.scales.x!.min, xMax: chart.scales.x!.max, yMax: chart.scales[y]!.max, data: chart.data };
  }, name);
}

describe('the dashboard tab: time window, instance and latency panels, decisions in words', () => {
  let session: PageSession;
  let system: RunningSystem;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    session = await openPageSession(
      { autoscaler: { maxInstances: 2, idleWindowMs: 1000, tickMs: 250 } },
      { viewport: { width: 1400, height: 1000 }, path: '/#dashboard', dataDirPrefix: 'scaleface-dashboard-' },
    );
    ({ system, page, pageErrors } = session);
    await page.waitForFunction(() => (window as unknown as ViewWindow).scaleface?.dashboard?.charts?.activity !== undefined, null, { timeout: 30_000 });
  });
  after(async () => session?.close());

  test('the window buttons set every chart\'s x range (10 min by default) and the choice survives new samples', { timeout: 90_000 }, async () => {
    const group = page.getByRole('radiogroup', { name: 'Time window' });
    assert.equal(await group.getByRole('radio', { name: '10 min' }).isChecked(), true, '10 min is the default');
    for (const chart of ['activity', 'instances', 'latency'] as const) assertSpan((await readChart(page, chart)).xSpan, 600, `${chart} spans 10 min`);

    await group.getByRole('radio', { name: '1 min' }).check();
    assertSpan((await readChart(page, 'activity')).xSpan, 60, '1 min');
    const before = await readChart(page, 'latency');
    const count = await page.evaluate(() => (window as unknown as ViewWindow).scaleface.dashboard.samples.length);
    await page.waitForFunction((n) => (window as unknown as ViewWindow).scaleface.dashboard.samples.length >= n + 2, count, { timeout: 30_000 });
    const later = await readChart(page, 'latency');
    assertSpan(later.xSpan, 60, 'still 1 min after new samples');
    assert.ok(later.xMax > before.xMax, 'the window follows the newest sample');
    assertSpan((await readChart(page, 'instances')).xSpan, 60, 'the instances panel follows');

    await group.getByRole('radio', { name: 'All' }).check();
    const all = await readChart(page, 'activity');
    const span = all.data[0]!.at(-1)! - all.data[0]![0]!;
    assertSpan(all.xSpan, Math.max(30, span), 'All spans the samples held (at least 30 s)');
    await group.getByRole('radio', { name: '10 min' }).check();
  });

  test('under a load: instances on their own panel, p50/p95 beside the target line, decisions in words with the formula on hover', { timeout: 180_000 }, async () => {
    const status = (await (await fetch(new URL('/v1/status', system.url))).json()) as { latencyTargetMs: number };
    assert.equal(status.latencyTargetMs, 2000, "the status carries the autoscaler's latency target");
    const loadStart = Date.now();
    const face = demoPhoto('sample2.jpg');
    const blank = await blankJpeg();
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => uploadPlain(system.url, `dash_${i}.jpg`, i % 2 ? face : blank)));
    assert.ok(answers.every((a) => a.startsWith('200 ')), answers.join('\n'));
    await page.waitForFunction(
      (since) => (window as unknown as ViewWindow).scaleface.dashboard.samples.some((s) => s.at >= since && s.latencyP95Ms !== null),
      loadStart,
      { timeout: 30_000 },
    );

    const instances = await readChart(page, 'instances');
    assert.deepEqual(instances.labels, ['Desired instances', 'Instances running']);
    assert.equal(instances.yMax, 2, 'the instance axis goes to the maximum (2), whatever the queue did');
    const activity = await readChart(page, 'activity');
    assert.ok(!activity.labels.some((l) => /instances/i.test(l)), `no instance line on the queue chart: ${activity.labels.join(', ')}`);

    const latency = await readChart(page, 'latency');
    assert.deepEqual(latency.labels, ['p50 answer time', 'p95 answer time', 'Latency target (p95)']);
    const [, p50, p95, target] = latency.data;
    const points = (series: (number | null)[] | undefined) => (series ?? []).filter((v): v is number => v !== null);
    assert.ok(points(p50).length > 0 && points(p95).length > 0, 'p50 and p95 points after the load');
    assert.ok(points(p50).every((v, i) => v <= points(p95)[i]!), 'p50 ≤ p95');
    assert.ok(points(target).length > 0 && points(target).every((v) => v === 2), 'the target line at 2 s');
    assert.ok(latency.yMax >= 2, 'the target line is inside the latency axis');

    // The last decisions: a sentence first, the formula (the policy's reason) on hover and in a disclosure.
    const listed = () => page.locator('#decisions .summary').allTextContents();
    await page
      .waitForFunction(() => Array.from(document.querySelectorAll('#decisions .summary')).some((s) => /^Scaled up to [12]:/.test(s.textContent ?? '')), null, { timeout: 30_000 })
      .catch(async (error: unknown) => assert.fail(`no scale-up among the decisions shown: ${(await listed()).join(' | ')} (${String(error)})`));
    const upDecision = page.locator('#decisions li', { has: page.locator('.summary', { hasText: /^Scaled up to/ }) }).first();
    const sentence = upDecision.locator('.summary');
    assert.match(String(await sentence.textContent()), /^Scaled up to [12]: \d+ requests? waiting/);
    const formula = String(await sentence.getAttribute('title'));
    assert.match(formula, /backlog \d+ .* → [12]/, 'the formula is the hover text');
    await sentence.hover();
    const details = upDecision.locator('details.formula');
    assert.equal(await details.locator('code').isVisible(), false, 'the formula is folded away');
    await details.locator('summary').click();
    assert.equal(await details.locator('code').textContent(), formula);
    assert.equal(await details.locator('code').isVisible(), true);
    await page.waitForFunction(() => document.querySelector('#stat-running')?.textContent === '0', null, { timeout: 60_000 });
  });

  for (const width of [1400, 420]) {
    test(`at ${width} px nothing overflows the page or a panel; screenshot of the last minute`, { timeout: 60_000 }, async () => {
      await page.getByRole('radiogroup', { name: 'Time window' }).getByRole('radio', { name: '1 min' }).check();
      await page.setViewportSize({ width, height: 1000 });
      await page.waitForFunction((w) => {
        const box = document.querySelector('#chart-activity');
        return box !== null && box.getBoundingClientRect().right <= w;
      }, width, { timeout: 10_000 });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const overflow = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const wide = Array.from(document.querySelectorAll('#panel-dashboard *')).filter((node) => {
          const r = node.getBoundingClientRect();
          return r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5) && !node.closest('.decisions, .table-scroll');
        });
        return { page: document.documentElement.scrollWidth - vw, nodes: wide.slice(0, 5).map((n) => `${n.tagName}.${n.className}#${n.id}`) };
      });
      assert.deepEqual(overflow, { page: 0, nodes: [] }, `at ${width} px`);
      const windowButtons = await page.getByRole('radiogroup', { name: 'Time window' }).boundingBox();
      assert.ok(windowButtons && windowButtons.x >= 0 && windowButtons.x + windowButtons.width <= width);
      await page.screenshot({ path: join(artifactsDir(), `dashboard-${width}.png`), fullPage: true });
    });
  }

  test('the page raised no script errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
