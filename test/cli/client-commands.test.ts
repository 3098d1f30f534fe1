/**
 * The client commands as a new user meets them: which service they talk to (--url, SCALEFACE_URL, the configured
 * port), what they say when nothing answers there, `enroll` stopping at a refusal every subject would get, and
 * `status` as a summary. Against real `scaleface up` processes on free ports.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, closedPort, runCli, startUp, type RunningUp } from '../helpers/cli-process.js';
import { waitUntil } from '../helpers/wait.js';

const GALLERY = join(process.cwd(), 'examples/gallery');

test('--version prints the version of package.json', async () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const run = await runCli(['--version'], cleanEnv());
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), version);
});

test('worker --help shows no instance name made from the pid of the help process', async () => {
  const run = await runCli(['worker', '--help'], cleanEnv());
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /--name <name>/);
  assert.doesNotMatch(run.stdout, /default: "/, 'no computed default is printed');
});

test('load --help has -u and names only files that exist', async () => {
  const run = await runCli(['load', '--help'], cleanEnv());
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /-u, --url <url>/);
  assert.doesNotMatch(run.stdout, /classification_results\.csv/);
  const folders = [...run.stdout.matchAll(/scaleface load --dir (\S+)/g)].map((m) => m[1]!).filter((f) => !f.startsWith('<'));
  assert.ok(folders.length > 0, 'an example with a real folder');
  for (const folder of folders) assert.ok(existsSync(folder), `${folder} (named in the help) exists`);
});

describe('a client command with nothing listening', () => {
  let port = 0;
  before(async () => {
    port = await closedPort();
  });

  test('enroll, status and load name the URL (SCALEFACE_URL) and what to run, exit 1', async () => {
    const url = `http://127.0.0.1:${port}/`;
    for (const args of [['enroll', GALLERY], ['status'], ['load', '--dir', 'examples/new']]) {
      const run = await runCli(args, cleanEnv({ SCALEFACE_URL: url }));
      assert.equal(run.status, 1, `${args[0]}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`nothing answers at ${url.replaceAll('.', '\\.')} \\(ECONNREFUSED\\)`), args[0]);
      assert.match(run.stderr, /start the service with `npx scaleface up`/, args[0]);
      assert.doesNotMatch(run.stderr, /fetch failed|^\s+at /m, `${args[0]} printed fetch's words or a stack`);
    }
  });

  test('without a URL they go to the configured port; --url wins over SCALEFACE_URL', async () => {
    const byPort = await runCli(['status'], cleanEnv({ SCALEFACE_PORT: String(port) }));
    assert.match(byPort.stderr, new RegExp(`nothing answers at http://127\\.0\\.0\\.1:${port}/`));
    const other = await closedPort();
    const byFlag = await runCli(['status', '--url', `http://127.0.0.1:${other}/`], cleanEnv({ SCALEFACE_URL: `http://127.0.0.1:${port}/` }));
    assert.match(byFlag.stderr, new RegExp(`nothing answers at http://127\\.0\\.0\\.1:${other}/`));
  });
});

describe('against a service that serves the objects model', () => {
  let dataDir = '';
  let up: RunningUp;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sf-client-objects-'));
    up = await startUp(['--model', 'objects', '--data-dir', dataDir], cleanEnv({ SCALEFACE_LOG_LEVEL: 'warn' }), 120_000);
  });
  after(async () => {
    await up.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('enroll stops at the first 409 WRONG_MODEL instead of sending every subject', async () => {
    const run = await runCli(['enroll', GALLERY], cleanEnv({ SCALEFACE_URL: up.url }));
    assert.equal(run.status, 1);
    const refused = run.stdout.split('\n').filter((line) => line.startsWith('FAILED'));
    assert.equal(refused.length, 1, `one subject sent, not all three:\n${run.stdout}`);
    assert.match(refused[0]!, /409 /);
    assert.match(run.stderr, /stopped after this refusal, which every other subject would get too/);
  });

  test('status prints a summary: backlog, instances, the last decisions; --json the document', async () => {
    let summary = '';
    await waitUntil(
      'the autoscaler made a decision',
      async () => {
        summary = (await runCli(['status', '--url', up.url], cleanEnv())).stdout;
        return /autoscaler decisions/.test(summary);
      },
      60_000,
    );
    assert.match(summary, /^backlog\s+0 \(request queue: 0 waiting/m);
    assert.match(summary, /^instances\s+0 \(0 ready\), desired 0, at most \d+/m);
    assert.match(summary, /^\s+\d\d:\d\d:\d\d UTC\s+\d+ → \d+\s+\S/m, 'a decision line with its time and counts');
    assert.ok(summary.split('\n').length < 20, `a summary, not the document:\n${summary}`);
    const json = await runCli(['status', '--json', '--url', up.url], cleanEnv());
    assert.equal(json.status, 0, json.stderr);
    const document = JSON.parse(json.stdout) as { backlog: number; recentDecisions: unknown[] };
    assert.equal(document.backlog, 0);
    assert.ok(Array.isArray(document.recentDecisions));
  });
});

describe('against a service with a token (uploads guarded, the default)', () => {
  let dataDir = '';
  let up: RunningUp;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sf-client-token-'));
    up = await startUp(['--host', '127.0.0.1', '--data-dir', dataDir], cleanEnv({ SCALEFACE_LOG_LEVEL: 'warn', SCALEFACE_AUTH_TOKEN: 'the-right-token' }));
  });
  after(async () => {
    await up?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('enroll with a wrong token stops at the first 401', async () => {
    const run = await runCli(['enroll', GALLERY, '--token', 'a-wrong-token'], cleanEnv({ SCALEFACE_URL: up.url }));
    assert.equal(run.status, 1);
    const refused = run.stdout.split('\n').filter((line) => line.startsWith('FAILED'));
    assert.equal(refused.length, 1, `one subject sent, not all three:\n${run.stdout}`);
    assert.match(refused[0]!, /401 /);
  });

  test('load sends the token: refused without it, answered with --token or SCALEFACE_AUTH_TOKEN', async () => {
    const args = ['load', '--dir', join(process.cwd(), 'examples/new'), '--requests', '2', '--concurrency', '1', '--url', up.url];
    const without = await runCli(args, cleanEnv());
    assert.equal(without.status, 1, without.stdout + without.stderr);
    assert.match(without.stdout + without.stderr, /401/);
    const byFlag = await runCli([...args, '--token', 'the-right-token'], cleanEnv());
    assert.equal(byFlag.status, 0, byFlag.stdout + byFlag.stderr);
    const byEnv = await runCli(args, cleanEnv({ SCALEFACE_AUTH_TOKEN: 'the-right-token' }));
    assert.equal(byEnv.status, 0, byEnv.stdout + byEnv.stderr);
  });
});
