import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');

function scaleface(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
}

test('--help names every command', () => {
  const run = scaleface('--help');
  assert.equal(run.status, 0);
  for (const command of ['up', 'worker', 'enroll', 'status', 'load', 'gallery']) assert.match(run.stdout, new RegExp(`^\\s+${command} `, 'm'));
});

test('a usage error exits 2 with a message and the help', () => {
  const run = scaleface('up', '--bogus');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /unknown option '--bogus'/);
});

test('an invalid port is refused before anything starts', () => {
  const run = scaleface('up', '--port', '70000');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /port is a whole number from 0 to 65535/);
});

test('enroll without a folder of subjects says what it expects', () => {
  const run = scaleface('enroll', join(process.cwd(), 'docs'), '--url', 'http://127.0.0.1:9/');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /no sub-folders with photos/);
});

test('gallery reindex --help explains the command', () => {
  const run = scaleface('gallery', 'reindex', '--help');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Usage: scaleface gallery reindex/);
  assert.match(run.stdout, /recompute every descriptor from the stored photos/);
  assert.match(run.stdout, /--data-dir <dir>/);
});

test('gallery reindex on an empty data dir records the model and exits 0', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sf-cli-reindex-'));
  try {
    const run = scaleface('gallery', 'reindex', '--data-dir', dataDir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^reindexing gallery "scaleface-gallery" with face-api\/\S+ \S+\+sha256:[0-9a-f]{12}/m);
    assert.match(run.stdout, /^0 subject\(s\), 0 photo\(s\), 0 descriptor\(s\), 0 photo\(s\) skipped$/m);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('aws terminate-workers --help explains the tear-down command, and aws --help lists it', () => {
  const help = scaleface('aws', 'terminate-workers', '--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: scaleface aws terminate-workers \[options\]/);
  assert.match(help.stdout, /--dry-run/);
  assert.match(help.stdout, /pending,\s+running,\s+stopping,\s+stopped/);
  const aws = scaleface('aws', '--help');
  assert.match(aws.stdout, /^\s+terminate-workers /m);
});

test('aws terminate-workers on local processes refuses with what it needs', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, SCALEFACE_COMPUTE: 'process' };
  delete env.SCALEFACE_CONFIG_FILE;
  delete env.SCALEFACE_CONFIG_JSON;
  const run = spawnSync(process.execPath, [CLI, 'aws', 'terminate-workers'], { encoding: 'utf8', timeout: 30_000, env });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /^scaleface: CONFIG_INVALID: terminate-workers needs compute\.backend = ec2/m);
});

test('a bad configuration stops every command with one line naming the setting, exit 2, no stack trace', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scaleface-cli-config-'));
  try {
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ web: { prot: 8100 } }));
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['up', '--port', '0'], { SCALEFACE_CONFIG_FILE: file }, /unknown setting web\.prot \(did you mean web\.port\?\)/],
      [['up', '--port', '0'], { SCALEFACE_MAX_INSTANCES: 'many' }, /SCALEFACE_MAX_INSTANCES must be a number, got "many"/],
      [['aws', 'check'], { SCALEFACE_CONFIG_FILE: file }, /unknown setting web\.prot/],
      [['model', 'check', 'objects'], { SCALEFACE_MAX_INSTANCES: 'many' }, /SCALEFACE_MAX_INSTANCES must be a number/],
    ];
    for (const [args, extra, expected] of cases) {
      const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
      if (extra.SCALEFACE_CONFIG_FILE === undefined) delete env.SCALEFACE_CONFIG_FILE;
      delete env.SCALEFACE_CONFIG_JSON;
      const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, env });
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^scaleface: CONFIG_INVALID: /m);
      assert.match(run.stderr, expected);
      assert.doesNotMatch(run.stderr, /^\s+at /m, `${args.join(' ')} printed a stack trace`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Starts `scaleface up` on a free port; resolves with the process once it serves, and its URL. */
async function startUp(dataDir: string): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'up', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, SCALEFACE_LOG_LEVEL: 'silent', SCALEFACE_MIN_INSTANCES: '0', SCALEFACE_MAX_INSTANCES: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /serving on (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`up exited ${code} before serving: ${stderr}`)));
  });
  return { child, url, exited };
}

test('up closes on SIGTERM and exits 0; new connections are refused after', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-cli-'));
  try {
    const { child, url, exited } = await startUp(dataDir);
    assert.equal((await fetch(new URL('/healthz', url))).status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    await assert.rejects(fetch(new URL('/healthz', url)));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
