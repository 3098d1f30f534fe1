// The browser tests drive Debian's Chromium at /usr/bin/chromium (Playwright's own browser download does not
// work without the internet). `npm test` calls this first: when Chromium is missing it installs Debian's
// package with apt-get (as root, or through sudo without a password), else it says exactly what to run.
// Usage: node scripts/ensure-chromium.mjs   (exit 0 when Chromium is there afterwards, 1 when not)
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = '/usr/bin/chromium';
const INSTALL = ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'];

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

/** `[]` as root, `['sudo', '-n']` when sudo works without a password, undefined when packages cannot be installed. */
function privilege() {
  if (process.getuid?.() === 0) return [];
  return run('sudo', ['-n', 'true']) ? ['sudo', '-n'] : undefined;
}

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  const manual = `sudo ${INSTALL.join(' ')}`;
  const prefix = privilege();
  if (prefix === undefined || !run('sh', ['-c', 'command -v apt-get'])) {
    console.error(`ensure-chromium: the browser tests need Chromium at ${CHROMIUM}; install it with: ${manual}`);
    return false;
  }
  console.error(`ensure-chromium: Chromium is missing; installing Debian's package (${INSTALL.join(' ')})...`);
  const runAs = (argv) => {
    const [command, ...args] = [...prefix, ...argv];
    return run(command, args);
  };
  // A fresh machine may have no package lists yet: update once when the first try fails.
  const installed = runAs(INSTALL) || (runAs(['apt-get', 'update']) && runAs(INSTALL));
  if (!installed || !existsSync(CHROMIUM)) {
    console.error(`ensure-chromium: the install failed; the browser tests need Chromium at ${CHROMIUM}: ${manual}`);
    return false;
  }
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureChromium() ? 0 : 1);
