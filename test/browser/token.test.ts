import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { DEMO_DIR } from '../helpers/images.js';
import { artifactsDir, launchChromium } from './support.js';

const TOKEN = 'browser-test-token-42';

describe('the page against a service that needs a token', () => {
  let system: RunningSystem;
  let dataDir: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    browser = await launchChromium();
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-browser-token-'));
    const config = loadConfig(
      {
        dataDir,
        logLevel: 'silent',
        web: { host: '127.0.0.1', port: 0, authToken: TOKEN, requireAuthForUploads: true },
        autoscaler: { maxInstances: 1, idleWindowMs: 1000, tickMs: 250 },
      },
      {},
    );
    system = await startSystem(config);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(system.url);
  });
  after(async () => {
    await browser?.close();
    await system?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('without the token the page says what is missing', { timeout: 60_000 }, async () => {
    await page.locator('#token-hint[data-required="true"]').waitFor();
    assert.equal(await page.locator('#token-hint').textContent(), 'This service needs a token (no token set).');
    await page.getByRole('tab', { name: 'Dashboard' }).click();
    await page.waitForFunction(() => /needs the access token/.test(document.querySelector('#feed-state')?.textContent ?? ''));
    await page.getByRole('tab', { name: 'Subjects' }).click();
    await page.waitForFunction(() => /Cannot list subjects/.test(document.querySelector('#subjects-status')?.textContent ?? ''));
    assert.match(String(await page.locator('#subjects-status').textContent()), /Authorization: Bearer <token>.*paste the access token/);

    await page.getByRole('tab', { name: 'Recognize' }).click();
    await page.locator('#recognize-files').setInputFiles(join(DEMO_DIR, 'sample2.jpg'));
    const card = page.locator('#results > li[data-file="sample2.jpg"][data-label="error"]');
    await card.waitFor({ timeout: 30_000 });
    assert.match(String(await card.locator('.result-label').textContent()), /^Failed: .*Authorization/);
  });

  test('with the token pasted, subjects and uploads work, and the token stays for the tab only', { timeout: 120_000 }, async () => {
    await page.getByLabel('Access token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use' }).click();
    await page.waitForFunction(() => /token set for this tab/.test(document.querySelector('#token-hint')?.textContent ?? ''));
    assert.equal(await page.locator('#token-hint').textContent(), 'Needed for the dashboard, subjects and uploads (token set for this tab).');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('scaleface.token')), TOKEN);
    // The event stream, read with the token in its header, comes live without a reload.
    await page.getByRole('tab', { name: 'Dashboard' }).click();
    await page.waitForFunction(() => /^live, updated/.test(document.querySelector('#feed-state')?.textContent ?? ''), undefined, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => localStorage.length), 0);

    await page.getByRole('tab', { name: 'Subjects' }).click();
    await page.waitForFunction(() => document.querySelector('#subjects-status')?.textContent === 'Nobody is enrolled yet.');

    await page.reload();
    assert.equal(await page.getByLabel('Access token').inputValue(), TOKEN, 'kept across a reload of the same tab');
    await page.getByRole('tab', { name: 'Recognize' }).click();
    await page.locator('#recognize-files').setInputFiles(join(DEMO_DIR, 'sample2.jpg'));
    const card = page.locator('#results > li[data-file="sample2.jpg"][data-label="Unknown"]');
    await card.waitFor({ timeout: 90_000 });
    await page.screenshot({ path: join(artifactsDir(), 'token.png') });

    const other = await browser.newPage();
    await other.goto(system.url);
    assert.equal(await other.getByLabel('Access token').inputValue(), '', 'a new browsing session does not get the token');
    await other.close();
  });
});
