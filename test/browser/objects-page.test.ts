/**
 * The Recognize tab under the objects model (issue 15): what the model located is drawn on the photo with its label,
 * and listed with its score, as faces are under the face model.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO_DIR } from '../helpers/images.js';
import { openPageSession, shootBothWidths, type PageSession } from './support.js';

describe('the Recognize tab with the objects model, in headless Chromium', () => {
  let session: PageSession;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    session = await openPageSession({ model: { kind: 'objects' }, autoscaler: { maxInstances: 1, tickMs: 250 } }, { viewport: { width: 1280, height: 900 }, dataDirPrefix: 'scaleface-browser-objects-' });
    ({ page, pageErrors } = session);
  });
  after(async () => session?.close());

  test('draws every object the model located, with its label, and lists them with their scores', { timeout: 180_000 }, async () => {
    await page.getByRole('tab', { name: 'Recognize' }).click();
    await page.locator('#recognize-files').setInputFiles([join(DEMO_DIR, 'sample1.jpg')]);
    const card = page.locator('#results > li[data-file="sample1.jpg"][data-label]');
    await card.waitFor({ timeout: 150_000 });
    assert.equal(await card.getAttribute('data-label'), 'person');
    const people = await card.locator('.object-box[data-label="person"]').count();
    assert.ok(people >= 2, `the people at the table are boxed: ${people} box(es)`);
    assert.equal(await card.locator('.faces > li').count(), await card.locator('.object-box').count());
    assert.match(String(await card.locator('.result-label').textContent()), /person — \d+ objects?/);
    assert.match(String(await card.locator('.faces').textContent()), /person score 0\.\d\d/);
    const photo = await card.locator('.photo').boundingBox();
    const box = await card.locator('.object-box').first().boundingBox();
    assert.ok(photo && box && box.width > 5 && box.x >= photo.x && box.x + box.width <= photo.x + photo.width + 1, 'the box lies on the photo');
    // Listed best first, so the first line is the answer's own object.
    const scores = (await card.locator('.faces > li').allTextContents()).map((line) => Number(/score (\d\.\d\d)/.exec(line)?.[1]));
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), `scores in order: ${scores.join(', ')}`);
    assert.equal((await card.locator('.faces > li .face-name').first().textContent()), await card.getAttribute('data-label'));
    assert.match(String(await page.locator('#model-line').textContent()), /^Model: objects/);
    await shootBothWidths(page, 'recognize-objects');
    assert.deepEqual(pageErrors, []);
  });

  test('the Subjects tab says enrollment needs the face model, and its form is disabled', { timeout: 60_000 }, async () => {
    await page.getByRole('tab', { name: 'Subjects' }).click();
    const notice = page.locator('#enroll-unavailable');
    await notice.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(String(await notice.textContent()), /needs the face model; this service runs the objects model \(start it with --model face\)/);
    assert.equal(await page.getByLabel('Name').isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Add photos' }).isDisabled(), true);
    assert.equal(await page.locator('#subjects-list').isVisible(), false, 'no empty table nor "cannot list subjects" under this model');
    await shootBothWidths(page, 'subjects-objects');
    assert.deepEqual(pageErrors, []);
  });
});
