/** A native module built for another Node stops up, worker and the test run with what to do, exit 78. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const PRELOAD = pathToFileURL(join(process.cwd(), 'test/fixtures/native/abi-mismatch-preload.mjs')).href;
const MISMATCH = /NATIVE_MODULE_MISMATCH: the native module (\S+) \(\S+\.node\) was built for NODE_MODULE_VERSION 115, but this Node \(v[\d.]+\) requires NODE_MODULE_VERSION (\d+)\. Fix: run `npm rebuild \1`/;

let dataDir = '';
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sf-native-mismatch-'));
});
after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function runWithMismatch(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SCALEFACE_DATA_DIR: dataDir, SCALEFACE_PORT: '0' };
  delete env.SCALEFACE_CONFIG_FILE;
  delete env.SCALEFACE_CONFIG_JSON;
  return spawnSync(process.execPath, ['--import', PRELOAD, ...args], { encoding: 'utf8', timeout: 60_000, env });
}

for (const command of ['up', 'worker']) {
  test(`${command} names the module, both ABI versions and npm rebuild, and exits 78`, () => {
    const run = runWithMismatch([CLI, command]);
    assert.equal(run.status, 78, run.stderr);
    const said = MISMATCH.exec(run.stderr);
    assert.ok(said, run.stderr);
    assert.equal(said[2], process.versions.modules);
    assert.doesNotMatch(run.stderr, /BACKEND_UNAVAILABLE/);
  });
}

test('the test run checks the native modules first and says the same', () => {
  const run = runWithMismatch([join(process.cwd(), 'scripts/check-native-modules.mjs')]);
  assert.equal(run.status, 78, run.stderr);
  assert.match(run.stderr, MISMATCH);
});
