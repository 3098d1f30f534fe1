/**
 * LocalProcessReporter in real child processes with an IPC channel: what it reports reaches a
 * LocalProcessPool, and the worker learns that its parent is gone (killed, or gone before it listened).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LocalProcessPool } from '../../../src/adapters/compute/local-process-pool.js';
import { isAlive } from '../../autoscaler/support.js';
import { waitUntil } from '../../helpers/wait.js';

const CHILD = fileURLToPath(new URL('./fixtures/reporter-child.js', import.meta.url));
const REPORTER_MODULE = new URL('../../../src/adapters/compute/local-process-reporter.js', import.meta.url).href;

/** True once `pid` has exited: gone, or (Linux) a zombie that its new parent, e.g. a container's init, has not reaped yet. */
function hasExited(pid: number): boolean {
  if (!isAlive(pid)) return true;
  if (process.platform !== 'linux') return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true; // reaped since
  }
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('LocalProcessReporter', () => {
  let dir: string;
  let runs = 0;
  const eventsFile = () => join(dir, `events-${++runs}.txt`);
  const events = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-reporter-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('ready (with its runtime) and the busy count reach the pool that spawned the worker', async () => {
    const file = eventsFile();
    const pool = new LocalProcessPool({ command: process.execPath, args: () => [CHILD, file], stopTimeoutMs: 5000 });
    try {
      const [launched] = await pool.launch(1);
      assert.equal(launched?.ready, false);
      await waitUntil('the pool sees the report', async () => (await pool.list())[0]?.busy === 3);
      const [instance] = await pool.list();
      assert.deepEqual(instance && { state: instance.state, ready: instance.ready, runtime: instance.runtime, busy: instance.busy }, {
        state: 'running',
        ready: true,
        runtime: 'fixture-runtime',
        busy: 3,
      });
    } finally {
      await pool.close();
    }
  });

  test('a worker whose parent is killed learns that its owner is gone and exits', async () => {
    const file = eventsFile();
    // A parent of its own that the test can SIGKILL, as `up` would die.
    const script = `import { spawn } from 'node:child_process';
      const child = spawn(process.execPath, [${JSON.stringify(CHILD)}, ${JSON.stringify(file)}], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m) => { if (m.type === 'ready') console.log('child ready ' + child.pid); });`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitUntil('the parent saw its child ready', () => /child ready \d+/.test(out));
    const childPid = Number(/child ready (\d+)/.exec(out)?.[1]);
    assert.ok(isAlive(childPid));
    assert.deepEqual(await events(file), [`started ${childPid}`], 'the owner is not gone while the parent lives');
    parent.kill('SIGKILL');
    await exitOf(parent);
    try {
      await waitUntil('the child noticed', async () => (await events(file)).includes('owner gone'));
      await waitUntil('the child exited', () => hasExited(childPid));
    } finally {
      if (!hasExited(childPid)) process.kill(childPid, 'SIGKILL'); // only when the test failed
    }
  });

  test('a parent gone before the reporter was created counts as gone', async () => {
    const file = eventsFile();
    const child = spawn(process.execPath, [CHILD, file, '--late'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await waitUntil('the child started', async () => (await events(file)).length > 0);
    child.disconnect();
    const exited = exitOf(child);
    try {
      await waitUntil('the child noticed', async () => (await events(file)).includes('owner gone'));
    } catch (error) {
      child.kill('SIGKILL'); // only when the test failed: a child that noticed is exiting by itself
      throw error;
    }
    assert.equal(await exited, 0);
    assert.deepEqual((await events(file)).slice(1), ['owner gone']);
  });

  test('without an IPC channel it reports nothing, its owner is never gone, and it keeps no process alive', () => {
    const script = `import { LocalProcessReporter } from '${REPORTER_MODULE}';
      const reporter = new LocalProcessReporter();
      let gone = false;
      void reporter.ownerGone.then(() => (gone = true));
      reporter.ready('x');
      reporter.busy(1);
      await reporter.close();
      setImmediate(() => console.log(gone ? 'gone' : 'still here'));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    assert.equal(result.stdout.trim(), 'still here');
  });
});

