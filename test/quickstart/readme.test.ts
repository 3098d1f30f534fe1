/**
 * README.md's Quickstart, run as written: the commands of its shell block (all but `npm ci`, which would reinstall
 * the node_modules these tests run on), on a free port and a fresh data folder, against a real `npm start`. The
 * last command's answer must be the one its comment promises (`# → cage:Cage`): a change to the README, the
 * example gallery or the model that stops naming the person fails here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanEnv, closedPort } from '../helpers/cli-process.js';

const README_URL = 'http://127.0.0.1:8000/';

/** npm's warnings in a command's stderr, but for EBADENGINE, which Node 20 (outside `engines`) rightly gets. */
function npmWarnings(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /^npm warn /.test(line) && !/EBADENGINE/.test(line));
}

interface QuickstartCommand {
  readonly command: string;
  /** What the comment after `→` says the command prints. */
  readonly expected?: string;
}

/** The commands of the first ```sh block under "## Quickstart", without their comments. */
function quickstartCommands(readme: string): QuickstartCommand[] {
  const section = /^## Quickstart\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  assert.ok(section, 'README.md has a "## Quickstart" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the Quickstart has a ```sh block');
  return block
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [command, comment = ''] = line.split(/\s+#\s/, 2);
      const expected = /→\s*(\S+)/.exec(comment)?.[1];
      return { command: command!.trim(), expected };
    });
}

function run(command: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `npm start` in its own process group (npm, its shell, up and up's workers), until it says where it serves. */
async function startService(command: string, env: NodeJS.ProcessEnv): Promise<{ url: string; stderr: string; stop: () => Promise<void> }> {
  const child = spawn('sh', ['-c', command], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not serve within 180 s: ${stderr}`)), 180_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /serving on (\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(() => reject(new Error(`${command} ended before serving: ${stderr}`)));
  });
  return {
    url,
    stderr,
    stop: async () => {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

test("the README's Quickstart enrolls the example gallery and names the person in a new photo", { timeout: 300_000 }, async () => {
  const commands = quickstartCommands(readFileSync('README.md', 'utf8'));
  assert.ok(commands.length <= 5, `at most five commands, not ${commands.length}`);
  assert.equal(commands[0]?.command, 'npm ci', 'the first command installs');
  assert.equal(commands[1]?.command, 'npm start', 'the second starts the service');
  const last = commands.at(-1)!;
  assert.ok(last.expected !== undefined && /:/.test(last.expected), 'the last command says what it answers (# → stem:Name)');

  const dataDir = await mkdtemp(join(tmpdir(), 'sf-quickstart-'));
  const port = await closedPort();
  const env = cleanEnv({ SCALEFACE_PORT: String(port), SCALEFACE_DATA_DIR: dataDir, SCALEFACE_LOG_LEVEL: 'warn' });
  const service = await startService(commands[1]!.command, env);
  try {
    assert.equal(service.url, `http://127.0.0.1:${port}`, 'npm start serves on the configured port');
    assert.deepEqual(npmWarnings(service.stderr), [], 'npm start prints no npm warning');
    const outputs: string[] = [];
    for (const { command } of commands.slice(2)) {
      const result = await run(command.replaceAll(README_URL, `${service.url}/`), env);
      assert.equal(result.status, 0, `${command}:\n${result.stdout}\n${result.stderr}`);
      assert.deepEqual(npmWarnings(result.stderr), [], `${command} prints no npm warning`);
      outputs.push(result.stdout.trim());
    }
    assert.equal(outputs.at(-1), last.expected, `${last.command} answers what the README says`);
  } finally {
    await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
