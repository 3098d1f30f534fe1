import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProcessPool } from '../../../src/adapters/compute/local-process-pool.js';
import { EmbeddedQueueSystem } from '../../../src/adapters/queue/embedded-queue.js';
import { BackendUnavailableError } from '../../../src/domain/errors.js';
import type { Queue } from '../../../src/ports/queue.js';
import { waitUntil } from '../../helpers/wait.js';
import { isAlive, makeSandbox, QUEUE_NAME, type Sandbox } from '../../autoscaler/support.js';

describe('LocalProcessPool with real worker processes', () => {
  let sandbox: Sandbox;
  let system: EmbeddedQueueSystem;
  let queue: Queue;

  before(async () => {
    sandbox = await makeSandbox();
    system = new EmbeddedQueueSystem(sandbox.dbPath);
    queue = await system.create(QUEUE_NAME);
  });

  after(async () => {
    await sandbox.cleanup();
    await system.close();
  });

  test('launches named children that become ready, report busy counts, and are stopped gracefully', async () => {
    const pool = sandbox.pool({ holdMs: 1000 });
    const launched = await pool.launch(2);
    assert.deepEqual(launched.map((i) => i.name), ['app-tier-instance-1', 'app-tier-instance-2']);
    assert.ok(launched.every((i) => i.state === 'pending' && !i.ready && i.busy === 0));
    assert.ok(launched.every((i) => String(Number(i.id)) === i.id && isAlive(Number(i.id))));
    await waitUntil('both are ready', async () => (await pool.list()).every((i) => i.ready && i.state === 'running'));

    await queue.send('held-during-stop');
    await waitUntil('one worker holds the message', async () => (await pool.list()).some((i) => i.busy === 1));
    const holder = (await pool.list()).find((i) => i.busy === 1);
    assert.ok(holder);
    await pool.terminate(holder.id);
    const stopping = (await pool.list()).find((i) => i.id === holder.id);
    assert.equal(stopping?.state, 'stopping');
    await pool.waitForExit(holder.id);
    assert.equal((await pool.list()).some((i) => i.id === holder.id), false);
    assert.equal(isAlive(Number(holder.id)), false);

    const records = await sandbox.records();
    const deleted = records.filter((r) => r.event === 'deleted' && r.body === 'held-during-stop');
    assert.equal(deleted.length, 1, 'the held message was finished once');
    assert.equal(deleted[0]?.worker, holder.name);
    assert.equal(deleted[0]?.stopRequestedBeforeDelete, true, 'SIGTERM arrived while the message was held');
    assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    const exit = sandbox.exits.find((e) => e.id === holder.id);
    assert.deepEqual(exit && { code: exit.code, expected: exit.expected }, { code: 0, expected: true });

    const [replacement] = await pool.launch(1);
    assert.equal(replacement?.name, holder.name, 'the lowest free number is reused');
    const log = await readFile(join(sandbox.logDir, `${holder.name}.log`), 'utf8');
    assert.match(log, new RegExp(`${holder.name} \\(pid ${holder.id}\\) polling ${QUEUE_NAME}`));

    const pids = (await pool.list()).map((i) => Number(i.id));
    await pool.close();
    assert.deepEqual(await pool.list(), []);
    assert.ok(pids.every((pid) => !isAlive(pid)));
    await assert.rejects(pool.launch(1), BackendUnavailableError);
  });

  test('a child that dies unexpectedly leaves the list and is reported', async () => {
    const pool = sandbox.pool();
    const [instance] = await pool.launch(1);
    assert.ok(instance);
    await waitUntil('it is ready', async () => (await pool.list())[0]?.ready === true);
    process.kill(Number(instance.id), 'SIGKILL');
    await pool.waitForExit(instance.id);
    assert.deepEqual(await pool.list(), []);
    const exit = sandbox.exits.find((e) => e.id === instance.id);
    assert.deepEqual(exit && { signal: exit.signal, expected: exit.expected, name: exit.name }, {
      signal: 'SIGKILL',
      expected: false,
      name: 'app-tier-instance-1',
    });
    await pool.close();
  });

  test('a child that ignores SIGTERM is killed after stopTimeoutMs', async () => {
    const exits: string[] = [];
    const pool = new LocalProcessPool({
      command: process.execPath,
      args: () => ['-e', "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('armed'); setInterval(() => {}, 1000)"],
      logDir: join(sandbox.dir, 'stubborn-logs'),
      stopTimeoutMs: 300,
      onExit: (e) => exits.push(`${e.name} ${e.signal ?? e.code} ${e.expected}`),
    });
    const [instance] = await pool.launch(1);
    assert.ok(instance);
    const logFile = join(sandbox.dir, 'stubborn-logs', `${instance.name}.log`);
    await waitUntil('the child installed its handler', async () => (await readFile(logFile, 'utf8')).includes('armed'));
    assert.deepEqual((await pool.list()).map((i) => i.state), ['pending'], 'it never reports ready');
    await pool.terminate(instance.id);
    await pool.waitForExit(instance.id);
    assert.deepEqual(exits, ['app-tier-instance-1 SIGKILL true']);
    assert.match(await readFile(logFile, 'utf8'), /armed\nignoring SIGTERM\n/);
    await pool.close();
  });

  test('a command that cannot start makes launch fail with BackendUnavailableError', async () => {
    const pool = new LocalProcessPool({ command: join(sandbox.dir, 'no-such-program'), args: () => [] });
    await assert.rejects(pool.launch(1), (error: unknown) => {
      assert.ok(error instanceof BackendUnavailableError);
      assert.match(error.message, /cannot start app-tier-instance-1: .*ENOENT/);
      return true;
    });
    assert.deepEqual(await pool.list(), []);
    await pool.close();
  });
});
