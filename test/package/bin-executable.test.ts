/**
 * The package's bin, as `npx scaleface` finds it in a clone: npm linked it before it was built, so the build must
 * leave it executable, or the shell npx runs it through answers "Permission denied".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = process.cwd();
const { bin, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };

for (const [name, target] of Object.entries(bin)) {
  test(`the built bin ${name} (${target}) is executable and runs by its path`, () => {
    const mode = statSync(join(ROOT, target)).mode;
    assert.equal(mode & 0o111, 0o111, `mode ${(mode & 0o777).toString(8)}`);
    const run = spawnSync(join(ROOT, target), ['--version'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.error, undefined);
    assert.equal(run.stdout.trim(), version, run.stderr);
  });
}
