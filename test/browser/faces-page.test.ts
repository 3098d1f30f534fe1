/**
 * The page's Verify and Detect tabs and its bulk enrollment, in headless Chromium against the real system
 * (`up` with local workers): a folder of subject folders enrolled with progress and one refused photo, a photo's
 * faces drawn with landmarks, and a verification against a photo and an enrolled subject.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { blankJpeg, DEMO_DIR } from '../helpers/images.js';
import { PEOPLE, peoplePhoto } from '../helpers/people-photos.js';
import { openPageSession, shootBothWidths, type PageSession } from './support.js';

describe('Verify, Detect and bulk enrollment on the page', () => {
  let session: PageSession;
  let files = '';
  before(async () => {
    session = await openPageSession(
      { autoscaler: { maxInstances: 1, idleWindowMs: 60_000, tickMs: 250 }, recognition: { galleryRefreshMs: 200 } },
      { viewport: { width: 1280, height: 900 }, dataDirPrefix: 'scaleface-faces-page-' },
    );
    files = await mkdtemp(join(tmpdir(), 'scaleface-faces-files-'));
    for (const name of ['Cage', 'Connery']) await mkdir(join(files, 'people', name), { recursive: true });
    await writeFile(join(files, 'people/Cage/1.jpg'), peoplePhoto(PEOPLE.Cage.enroll));
    await writeFile(join(files, 'people/Cage/blank.jpg'), await blankJpeg(96));
    await writeFile(join(files, 'people/Connery/1.jpg'), peoplePhoto(PEOPLE.Connery.enroll));
    await writeFile(join(files, 'cage-probe.jpg'), peoplePhoto(PEOPLE.Cage.probe));
    await writeFile(join(files, 'bieber.jpg'), peoplePhoto(PEOPLE.Bieber.probe));
    await writeFile(join(files, 'blank.jpg'), await blankJpeg(96));
    await copyFile(join(DEMO_DIR, 'sample1.jpg'), join(files, 'group.jpg'));
  });
  after(async () => {
    await session?.close();
    if (files) await rm(files, { recursive: true, force: true });
  });

  test('bulk enrollment of a folder: progress to the end, the refused photo listed, the subjects in the table', { timeout: 180_000 }, async () => {
    const { page } = session;
    await page.getByRole('tab', { name: 'Subjects' }).click();
    await page.getByLabel('A folder with one sub-folder per subject').setInputFiles(join(files, 'people'));
    await page.getByRole('button', { name: 'Enroll all' }).click();
    const status = page.locator('#bulk-status[data-state="succeeded"]');
    await status.waitFor({ timeout: 150_000 });
    assert.equal(await status.textContent(), 'Done: 2 photo(s) enrolled for 2 subject(s); 1 refused.');
    assert.match(String(await page.locator('#bulk-refused li').textContent()), /^Cage\/blank\.jpg: no face found/);
    assert.deepEqual(await page.locator('#bulk-progress').evaluate((bar: HTMLProgressElement) => [bar.value, bar.max]), [3, 3]);
    await page.locator('#subjects-table tr[data-subject="Connery"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#subjects-table tr[data-subject="Cage"] td.photos').textContent(), '1');
    await shootBothWidths(page, 'bulk-enrollment');
  });

  test('Detect: every face boxed with 68 landmarks and 5 key points each, and its quality listed', { timeout: 180_000 }, async () => {
    const { page } = session;
    await page.getByRole('tab', { name: 'Detect' }).click();
    await page.locator('#detect-files').setInputFiles(join(files, 'group.jpg'));
    const card = page.locator('#detections li.result[data-faces]');
    await card.waitFor({ timeout: 150_000 });
    assert.equal(await card.getAttribute('data-faces'), '3');
    assert.equal(await card.locator('.detect-box').count(), 3);
    assert.equal(await card.locator('.landmark').count(), 3 * 68);
    assert.equal(await card.locator('.key-point').count(), 3 * 5);
    assert.match(String(await card.locator('.faces li').first().textContent()), /^score 0\.\d\d, quality 0\.\d\d, \d+×\d+ px$/);
    await shootBothWidths(page, 'detect');
  });

  test('Verify: the same person against a photo and against an enrolled subject, another person, a photo without a face', { timeout: 180_000 }, async () => {
    const { page } = session;
    await page.getByRole('tab', { name: 'Verify' }).click();
    const result = page.locator('#verify-result');
    const run = async (source: string, against: { photo: string } | { subject: string }) => {
      await page.getByLabel('Photo', { exact: true }).setInputFiles(join(files, source));
      if ('photo' in against) {
        await page.getByLabel('a second photo').check();
        await page.getByLabel('Second photo', { exact: true }).setInputFiles(join(files, against.photo));
      } else {
        await page.getByLabel('an enrolled subject').check();
        await page.getByLabel('Subject', { exact: true }).fill(against.subject);
      }
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.locator('#verify-result:not(.pending):not(:empty)').waitFor({ timeout: 150_000 });
      return String(await result.textContent());
    };
    assert.match(await run('cage-probe.jpg', { photo: 'bieber.jpg' }), /^Not the same person.*Distance 0\.\d+ > 0\.\d+/);
    assert.match(await run('cage-probe.jpg', { subject: 'Cage' }), /^Same person.*Distance 0\.\d+ ≤ 0\.\d+ .* against Cage's enrolled photos/);
    await shootBothWidths(page, 'verify');
    assert.match(await run('blank.jpg', { photo: 'bieber.jpg' }), /^Cannot verify: no face found in the source photo/);
    assert.deepEqual(session.pageErrors, []);
  });
});
