import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';

export const CHROMIUM = '/usr/bin/chromium';

/** The repository's root (where package.json is), from dist/test/browser or test/browser. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the tests');
    dir = parent;
  }
  return dir;
}

/** test-artifacts/ (gitignored) for screenshots of every run. */
export function artifactsDir(): string {
  const dir = join(repoRoot(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Debian's Chromium, headless. Fails (never skips) when it is not installed: CI installs it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM}; install it with: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function uploadPlain(url: string, fileName: string, bytes: Buffer): Promise<string> {
  const form = new FormData();
  form.append('inputFile', new Blob([new Uint8Array(bytes)]), fileName);
  const response = await fetch(new URL('/', url), { method: 'POST', body: form });
  return `${response.status} ${await response.text()}`;
}

/** Full-page screenshots at a desktop (1400 px) and a phone (420 px) width, `<name>-1400.png`, `<name>-420.png`. */
export async function shootBothWidths(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const width of [1400, 420]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(artifactsDir(), `${name}-${width}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/** A real system on a fresh data folder, and a Chromium page on it that records its script errors. */
export interface PageSession {
  readonly system: RunningSystem;
  readonly page: Page;
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export async function openPageSession(
  settings: ConfigInput,
  options: { viewport: { width: number; height: number }; path?: string; dataDirPrefix: string },
): Promise<PageSession> {
  const browser = await launchChromium();
  const dataDir = await mkdtemp(join(tmpdir(), options.dataDirPrefix));
  const system = await startSystem(loadConfig({ dataDir, logLevel: 'silent', web: { port: 0 }, ...settings }, {}));
  const page = await browser.newPage({ viewport: options.viewport });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${system.url}${options.path ?? '/'}`);
  return {
    system,
    page,
    pageErrors,
    close: async () => {
      await browser.close();
      await system.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
