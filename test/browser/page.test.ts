import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/index.js';
import { DEFAULT_MATCH_RULES } from '../../src/recognition/matcher.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { blankJpeg, DEMO_DIR, demoPhoto } from '../helpers/images.js';
import { artifactsDir, launchChromium, repoRoot, shootBothWidths, uploadPlain } from './support.js';

interface Sample {
  at: number;
  running: number;
  queued: number;
}

/** The default rule's threshold as the page prints it. */
const THRESHOLD = String(DEFAULT_MATCH_RULES.distanceThreshold);

describe('the web page in headless Chromium, against the real system', () => {
  let system: RunningSystem;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let blankPath: string;
  const pageErrors: string[] = [];

  before(async () => {
    browser = await launchChromium();
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-browser-'));
    const config = loadConfig(
      {
        dataDir,
        logLevel: 'silent',
        web: { port: 0 },
        autoscaler: { maxInstances: 2, idleWindowMs: 1000, tickMs: 250 },
        recognition: { galleryRefreshMs: 200 },
      },
      {},
    );
    system = await startSystem(config);
    blankPath = join(dataDir, 'blank.jpg');
    await writeFile(blankPath, await blankJpeg(96));
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(system.url);
  });
  after(async () => {
    await browser?.close();
    await system?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('enrolls a subject through the Subjects tab', { timeout: 120_000 }, async () => {
    await page.getByRole('tab', { name: 'Subjects' }).click();
    await page.getByLabel('Name').fill('Alice');
    await page.getByLabel('Photos (one face each)').setInputFiles(join(DEMO_DIR, 'sample1.jpg'));
    await page.getByRole('button', { name: 'Add photos' }).click();
    const row = page.locator('#subjects-table tr[data-subject="Alice"]');
    await row.waitFor({ timeout: 90_000 });
    assert.equal(await row.locator('td.photos').textContent(), '1');
    assert.match(String(await page.locator('#enroll-status').textContent()), /Enrolled 1 photo\(s\) for Alice/);
    assert.equal(await page.locator('#enroll-status.error').count(), 0);
    assert.equal(await page.locator('#subject-count').textContent(), '1 subject(s), 1 photo(s)');
    // The row's picture is the service's 96 px thumbnail of the enrolled photo, fetched with the page's token.
    await page.waitForFunction(() => (document.querySelector('#subjects-table tr[data-subject="Alice"] img.thumb') as HTMLImageElement | null)?.naturalWidth === 96, null, { timeout: 30_000 });
    await shootBothWidths(page, 'subjects');
  });

  test('a refused enrollment is shown as an error that names each photo and why', { timeout: 120_000 }, async () => {
    await page.getByLabel('Name').fill('Bob');
    await page.getByLabel('Photos (one face each)').setInputFiles(blankPath);
    await page.getByRole('button', { name: 'Add photos' }).click();
    const status = page.locator('#enroll-status.error');
    await status.waitFor({ timeout: 90_000 });
    assert.equal(await status.getAttribute('role'), 'alert');
    assert.match(String(await status.textContent()), /Nothing was enrolled for Bob: 1 photo\(s\) cannot be used/);
    assert.match(String(await status.locator('li').first().textContent()), /^blank\.jpg: .*face/);
    const color = await status.evaluate((node) => getComputedStyle(node).color);
    assert.equal(color, 'rgb(185, 28, 28)', 'styled with the error colour');
    assert.equal(await page.locator('#subjects-table tr[data-subject="Bob"]').count(), 0);
  });

  test('the subject search filters the table and says how many match', async () => {
    await page.getByLabel('Search subjects').fill('ali');
    assert.equal(await page.locator('#subjects-table tr[data-subject="Alice"]').isVisible(), true);
    assert.equal(await page.locator('#subject-count').textContent(), '1 of 1 subject(s) match “ali”');
    await page.getByLabel('Search subjects').fill('zz');
    assert.equal(await page.locator('#subjects-table tr[data-subject="Alice"]').isVisible(), false);
    assert.equal(await page.locator('#subject-count').textContent(), '0 of 1 subject(s) match “zz”');
    await page.getByLabel('Search subjects').fill('');
    assert.equal(await page.locator('#subjects-table tr[data-subject="Alice"]').isVisible(), true);
  });

  test('recognizes uploaded photos and draws their face boxes', { timeout: 180_000 }, async () => {
    await page.getByRole('tab', { name: 'Recognize' }).click();
    await page.locator('#recognize-files').setInputFiles([join(DEMO_DIR, 'sample1.jpg'), join(DEMO_DIR, 'sample2.jpg'), blankPath]);
    await page.waitForFunction(() => document.querySelectorAll('#results > li[data-label]').length === 3, null, { timeout: 150_000 });
    const labels = await page.$$eval('#results > li', (items) => Object.fromEntries(items.map((li) => [li.dataset.file, li.dataset.label])));
    assert.deepEqual(labels, { 'sample1.jpg': 'Alice', 'sample2.jpg': 'Unknown', 'blank.jpg': 'NoFace' });

    const alice = page.locator('#results > li[data-file="sample1.jpg"]');
    const boxes = await alice.locator('.face-box').count();
    assert.ok(boxes >= 2, `sample1 shows several faces, ${boxes} box(es) drawn`);
    assert.equal(await alice.locator('.faces > li').count(), boxes);
    assert.equal(await alice.locator('.face-box.known[data-label="Alice"]').count(), 1);
    const photo = await alice.locator('.photo').boundingBox();
    const box = await alice.locator('.face-box.known').boundingBox();
    assert.ok(photo && box, 'the photo and the box are laid out');
    assert.ok(box.width > 5 && box.x >= photo.x && box.y >= photo.y, 'the box lies on the photo');
    assert.ok(box.x + box.width <= photo.x + photo.width + 1 && box.y + box.height <= photo.y + photo.height + 1);
    assert.match(String(await alice.locator('.faces').textContent()), new RegExp(`Alice distance 0\\.0\\d \\(named: within ${THRESHOLD}\\)`));
    assert.equal(await page.locator('#results > li[data-file="blank.jpg"] .face-box').count(), 0);
    // An Unknown face says who it was nearest to, and how far against the threshold.
    const unknown = String(await page.locator('#results > li[data-file="sample2.jpg"] .faces > li').first().textContent());
    const over = /^Unknown nearest Alice, distance (\d\.\d\d) \(over the threshold (\d\.\d+)\)/.exec(unknown);
    assert.ok(over && Number(over[1]) > Number(THRESHOLD) && over[2] === THRESHOLD, unknown);
    assert.match(String(await page.locator('#model-line').textContent()), new RegExp(`^Model: face · 1 subject enrolled · a face is named when its nearest subject is within distance ${THRESHOLD}`));
    await shootBothWidths(page, 'recognize');
  });

  test('a file that is not an image is shown as an error, without a broken picture', { timeout: 60_000 }, async () => {
    await page.locator('#recognize-files').setInputFiles({ name: 'fake.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('definitely not a jpeg') });
    const card = page.locator('#results > li.failed[data-file="fake.jpg"]');
    await card.waitFor({ timeout: 30_000 });
    assert.match(String(await card.locator('.result-label').textContent()), /^Failed: .*not a decodable image/);
    await card.locator('.photo-missing').waitFor({ timeout: 10_000 });
    assert.equal(await card.locator('img').count(), 0, 'no broken-image strip');
  });

  test('at 420 px every face tag stays on its photo', { timeout: 60_000 }, async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    try {
      const cut = await page.$$eval('#results .photo', (photos) =>
        photos.flatMap((photo) => {
          const frame = photo.getBoundingClientRect();
          return Array.from(photo.querySelectorAll('.face-tag')).map((tag) => tag.getBoundingClientRect()).filter((tag) => tag.top < frame.top - 0.5).map((tag) => tag.top - frame.top);
        }),
      );
      assert.deepEqual(cut, [], 'tags above their photo are cut off by the card');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test('the dashboard shows instances going up under a small load and back to 0', { timeout: 180_000 }, async () => {
    await page.getByRole('tab', { name: 'Dashboard' }).click();
    const running = page.locator('#stat-running');
    await page.waitForFunction(() => document.querySelector('#stat-running')?.textContent === '0' && document.querySelectorAll('#instances-table tbody tr').length === 0, null, { timeout: 60_000 });
    const loadStart = Date.now();
    const face = demoPhoto('sample2.jpg');
    const blank = await blankJpeg();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => uploadPlain(system.url, `load_${i}.jpg`, i % 2 ? face : blank)));
    assert.deepEqual(answers, Array.from({ length: 8 }, (_, i) => `200 load_${i}:${i % 2 ? 'Unknown' : 'NoFace'}`));

    await page.waitForFunction(
      (since) => (window as unknown as { scaleface: { dashboard: { samples: Sample[] } } }).scaleface.dashboard.samples.some((s) => s.at >= since && s.running >= 1),
      loadStart,
      { timeout: 30_000 },
    );
    await page.waitForFunction(() => document.querySelector('#stat-running')?.textContent === '0', null, { timeout: 60_000 });
    assert.equal(await running.textContent(), '0');
    const samples = await page.evaluate((since) => {
      const view = (window as unknown as { scaleface: { dashboard: { samples: Sample[] } } }).scaleface.dashboard;
      return view.samples.filter((s) => s.at >= since);
    }, loadStart);
    const peak = Math.max(...samples.map((s) => s.running));
    assert.ok(peak >= 1 && peak <= 2, `the chart's running instances peaked at ${peak} (max 2)`);
    assert.equal(samples.at(-1)!.running, 0);
    const chartPoints = await page.evaluate(() => {
      const chart = (window as unknown as { scaleface: { dashboard: { chart: { data: number[][] } } } }).scaleface.dashboard.chart;
      return chart.data[0]!.length;
    });
    assert.ok(chartPoints >= samples.length, 'the uPlot chart holds the samples');
    const decisions = await page.locator('#decisions li').allTextContents();
    assert.ok(decisions.length > 0 && decisions.every((d) => /→/.test(d)), 'decisions are listed with their change');
    assert.ok(decisions.some((d) => /backlog \d+/.test(d)), 'decisions show their reason');

    await page.waitForTimeout(1500); // a little flat line after the bump
    const shot = await page.screenshot({ path: join(artifactsDir(), 'dashboard.png'), fullPage: true });
    assert.ok(shot.length > 10_000);
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') copyFileSync(join(artifactsDir(), 'dashboard.png'), join(repoRoot(), 'docs', 'screenshot-dashboard.png'));
  });

  test('deletes a subject from the Subjects tab', { timeout: 60_000 }, async () => {
    await page.getByRole('tab', { name: 'Subjects' }).click();
    await page.getByRole('button', { name: 'Delete Alice' }).click();
    await page.locator('#subjects-table tr[data-subject="Alice"]').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await page.locator('#subjects-status').textContent(), 'Nobody is enrolled yet.');
    const listed = (await (await fetch(new URL('/v1/subjects', system.url))).json()) as { subjects: unknown[] };
    assert.deepEqual(listed.subjects, []);
  });

  test('the page raised no script errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
