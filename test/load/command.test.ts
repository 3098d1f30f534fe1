import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { listImageFiles, registerLoadCommand } from '../../src/load/command.js';
import { startStubServer } from './stub-recognition-server.js';

let root = '';
let images = '';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'scaleface-load-cmd-'));
  images = join(root, 'images');
  await mkdir(images);
  for (const name of ['test_10.jpg', 'test_2.PNG', 'test_1.jpeg', 'notes.txt']) await writeFile(join(images, name), `bytes of ${name}`);
  await mkdir(join(images, 'folder.jpg')); // a folder with an image-like name is not an image
  await mkdir(join(root, 'empty'));
  await writeFile(join(root, 'expected.csv'), 'Image,Results\r\ntest_1,Paul\r\ntest_2,Emily\r\ntest_10,Bob\r\n');
  await writeFile(join(root, 'bad.csv'), 'File,Label\ntest_1,Paul\n');
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Cli {
  program: Command;
  stdout: string[];
  stderr: string[];
  exitCodes: number[];
}

function makeCli(): Cli {
  const cli: Cli = { program: new Command('scaleface'), stdout: [], stderr: [], exitCodes: [] };
  cli.program.exitOverride().configureOutput({ writeOut: (s) => cli.stdout.push(s), writeErr: (s) => cli.stderr.push(s) });
  registerLoadCommand(cli.program, {
    stdout: { write: (s: string) => cli.stdout.push(s) },
    stderr: { write: (s: string) => cli.stderr.push(s), isTTY: false },
    setExitCode: (code) => cli.exitCodes.push(code),
  });
  return cli;
}

async function expectBadOptions(args: string[], message: RegExp): Promise<void> {
  const cli = makeCli();
  await assert.rejects(cli.program.parseAsync(['load', ...args], { from: 'user' }), (error: unknown) => {
    assert.ok(error instanceof CommanderError, String(error));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, message);
    return true;
  });
  assert.match(cli.stderr.join(''), message);
}

describe('listImageFiles', () => {
  test('lists .jpg/.jpeg/.png files (any case) in natural order', async () => {
    const files = await listImageFiles(images);
    assert.deepEqual(files, ['test_1.jpeg', 'test_2.PNG', 'test_10.jpg'].map((n) => join(images, n)));
  });
});

describe('scaleface load options', () => {
  test('bad options exit with code 2 and a clear message', async () => {
    await expectBadOptions([], /--dir <folder> is required/);
    await expectBadOptions(['--dir', images, '--requests', 'abc'], /--requests must be a whole number of at least 1, got 'abc'/);
    await expectBadOptions(['--dir', images, '--requests', '2.5'], /--requests must be a whole number/);
    await expectBadOptions(['--dir', images, '--concurrency', '0'], /--concurrency must be a whole number of at least 1, got '0'/);
    await expectBadOptions(['--dir', images, '--timeout', '-5'], /--timeout must be a whole number/);
    await expectBadOptions(['--dir', join(root, 'nope')], /folder not found/);
    await expectBadOptions(['--dir', join(root, 'expected.csv')], /is not a folder/);
    await expectBadOptions(['--dir', join(root, 'empty')], /contains no \.jpg\/\.jpeg\/\.png images/);
    await expectBadOptions(['--dir', images, '--expected', join(root, 'bad.csv')], /needs the columns Image and Results/);
    await expectBadOptions(['--dir', images, '--expected', join(root, 'missing.csv')], /cannot read expected-results CSV/);
    await expectBadOptions(['--dir', images, '--url', 'not a url'], /--url is not a valid URL/);
  });

  test('help lists the options and the exit codes', async () => {
    const cli = makeCli();
    await assert.rejects(cli.program.parseAsync(['load', '--help'], { from: 'user' }), (e: unknown) => e instanceof CommanderError && e.exitCode === 0);
    const help = cli.stdout.join('');
    for (const text of ['--url <url>', '--dir <folder>', '--requests <n>', '--concurrency <n>', '--expected <csv>', '--timeout <ms>', '--json [file]', 'Exit codes']) {
      assert.ok(help.includes(text), `help lacks ${text}`);
    }
  });
});

describe('scaleface load against a real HTTP server', () => {
  test('all correct with --expected: course block on stdout, exit 0, one request per image', async () => {
    const server = await startStubServer({ answers: { test_1: 'Paul', test_2: 'Emily', test_10: 'Bob' } });
    try {
      const cli = makeCli();
      await cli.program.parseAsync(['load', '--url', server.url, '--dir', images, '--expected', join(root, 'expected.csv')], { from: 'user' });
      assert.deepEqual(cli.exitCodes, [0]);
      assert.equal(server.received.length, 3);
      const out = cli.stdout.join('');
      assert.match(out, /^\+\+\+\+\+ Test Result Statistics \+\+\+\+\+\n/);
      assert.match(out, /\nTotal number of requests: 3\n/);
      assert.match(out, /\nTotal number of requests completed successfully: 3\n/);
      assert.match(out, /\nTotal number of correct predictions : 3\n/);
      assert.match(out, /\nTotal number of wrong predictions: 0\n/);
      assert.match(cli.stderr.join(''), /requests: 100% \(3\/3\)/);
    } finally {
      await server.close();
    }
  });

  test('a wrong answer exits 1 with --expected, 0 without', async () => {
    const server = await startStubServer({ answers: { test_1: 'Paul', test_2: 'Mallory', test_10: 'Bob' } });
    try {
      const checked = makeCli();
      await checked.program.parseAsync(['load', '--url', server.url, '--dir', images, '--expected', join(root, 'expected.csv')], { from: 'user' });
      assert.deepEqual(checked.exitCodes, [1]);
      assert.match(checked.stdout.join(''), /\nTotal number of wrong predictions: 1\n/);
      const unchecked = makeCli();
      await unchecked.program.parseAsync(['load', '--url', server.url, '--dir', images], { from: 'user' });
      assert.deepEqual(unchecked.exitCodes, [0]);
      assert.match(unchecked.stdout.join(''), /\nTotal number of wrong predictions: N\/A\n/);
    } finally {
      await server.close();
    }
  });

  test('--json alone writes JSON to stdout (the block goes to stderr); --json <file> writes a file', async () => {
    const server = await startStubServer({ answers: { test_1: 'Paul', test_2: 'Emily', test_10: { status: 500, body: 'boom' } } });
    try {
      const toStdout = makeCli();
      await toStdout.program.parseAsync(['load', '--url', server.url, '--dir', images, '--requests', '6', '--concurrency', '2', '--json'], { from: 'user' });
      assert.deepEqual(toStdout.exitCodes, [1]);
      const report = JSON.parse(toStdout.stdout.join(''));
      assert.deepEqual(report.requests, { total: 6, completed: 4, failed: 2 });
      assert.deepEqual(report.failuresByReason, { 'HTTP 500': 2 });
      assert.equal(report.run.concurrency, 2);
      assert.equal(report.success, false);
      assert.match(toStdout.stderr.join(''), /Total number of failed requests: 2/);

      const path = join(root, 'report.json');
      const toFile = makeCli();
      await toFile.program.parseAsync(['load', '--url', server.url, '--dir', images, '--json', path], { from: 'user' });
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')).requests, { total: 3, completed: 2, failed: 1 });
      assert.match(toFile.stdout.join(''), /Total number of failed requests: 1/);
    } finally {
      await server.close();
    }
  });
});
