// Runs every compiled test file (dist/test/**/*.test.js) with node's own test runner.
// Node 20 has no glob support in `node --test`, so the files are listed here.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureChromium } from './ensure-chromium.mjs';

function listTests(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(listTests(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = listTests('dist/test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}
// A native module built for another Node is said once, with its fix, before any test runs.
const check = spawnSync(process.execPath, ['scripts/check-native-modules.mjs'], { stdio: 'inherit' });
if (check.status !== 0) process.exit(check.status ?? 1);
// Only when browser tests run; when Chromium cannot be had they fail with the command to install it.
if (files.some((f) => f.includes('/browser/'))) ensureChromium();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
