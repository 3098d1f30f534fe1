/**
 * The page's collection picker, in headless Chromium against the real system (`up` with local workers, a token):
 * a subject enrolled in one collection is listed and named there, and not in the default collection; a collection's
 * own key, pasted as the token, works in its collection.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PEOPLE, peoplePhoto } from '../helpers/people-photos.js';
import { openPageSession, shootBothWidths, type PageSession } from './support.js';

const TOKEN = 'collections-page-token-42';

describe('the collection picker on the page', () => {
  let session: PageSession;
  let files = '';
  let key = '';
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${session.system.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) } });
    assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  before(async () => {
    session = await openPageSession(
      { web: { authToken: TOKEN }, autoscaler: { maxInstances: 1, idleWindowMs: 60_000, tickMs: 250 }, recognition: { galleryRefreshMs: 200 } },
      { viewport: { width: 1280, height: 900 }, dataDirPrefix: 'scaleface-collections-page-' },
    );
    await call('/v1/collections', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'shop-a' }) });
    const created = await call('/v1/collections/shop-a/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scopes: ['recognize', 'enroll'] }) });
    key = String(created.key);
    const form = new FormData();
    form.append('photos', new Blob([new Uint8Array(peoplePhoto(PEOPLE.Cage.enroll))], { type: 'image/jpeg' }), 'cage.jpg');
    await call('/v1/collections/shop-a/subjects/Cage/examples', { method: 'POST', body: form });
    files = await mkdtemp(join(tmpdir(), 'scaleface-collections-files-'));
    await writeFile(join(files, 'cage-probe.jpg'), peoplePhoto(PEOPLE.Cage.probe));
  });
  after(async () => {
    await session?.close();
    if (files) await rm(files, { recursive: true, force: true });
  });

  const openCollection = async (name: string) => {
    await session.page.getByLabel('Collection', { exact: true }).fill(name);
    await session.page.getByRole('button', { name: 'Open' }).click();
  };

  test('with the deployment token: the collections offered, subjects and answers per collection', { timeout: 180_000 }, async () => {
    const { page } = session;
    await page.getByLabel('Access token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use' }).click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#collection-options option')).some((o) => (o as HTMLOptionElement).value === 'shop-a'));
    await page.getByRole('tab', { name: 'Subjects' }).click();
    await openCollection('shop-a');
    await page.locator('#subjects-table tr[data-subject="Cage"]').waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'Recognize' }).click();
    await page.locator('#recognize-files').setInputFiles(join(files, 'cage-probe.jpg'));
    const card = page.locator('#results > li[data-file="cage-probe.jpg"][data-label]');
    await card.waitFor({ timeout: 150_000 });
    assert.equal(await card.getAttribute('data-label'), 'Cage');
    assert.match(String(await page.locator('#model-line').textContent()), /collection shop-a/);
    await shootBothWidths(page, 'collections');

    await openCollection('default');
    await page.locator('#recognize-files').setInputFiles(join(files, 'cage-probe.jpg'));
    await page.waitForFunction(() => document.querySelectorAll('#results > li[data-file="cage-probe.jpg"][data-label]').length === 2, null, { timeout: 150_000 });
    assert.equal(await page.locator('#results > li[data-file="cage-probe.jpg"][data-label]').first().getAttribute('data-label'), 'Unknown', 'not enrolled in the default collection');
    await page.getByRole('tab', { name: 'Subjects' }).click();
    await page.waitForFunction(() => document.querySelector('#subjects-status')?.textContent !== '');
    assert.equal(await page.locator('#subjects-table tr[data-subject="Cage"]').count(), 0);
  });

  test('a collection key pasted as the token works in its collection; a bad name is refused on the page', { timeout: 120_000 }, async () => {
    const { page } = session;
    await page.getByLabel('Access token').fill(key);
    await page.getByRole('button', { name: 'Use' }).click();
    await page.waitForFunction(() => /your key’s collection/.test(document.querySelector('#collection-hint')?.textContent ?? ''));
    await openCollection('Not A Name');
    assert.match(String(await page.locator('#collection-hint').textContent()), /1–64 of a-z/);
    await openCollection('shop-a');
    await page.getByRole('tab', { name: 'Subjects' }).click();
    await page.locator('#subjects-table tr[data-subject="Cage"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('scaleface.collection')), 'shop-a');
    assert.deepEqual(session.pageErrors, []);
  });
});
