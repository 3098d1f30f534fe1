/** Behaviour of the embedded SQLite queue beyond the shared conformance suite. */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { EmbeddedQueueSystem } from '../../../src/adapters/queue/index.js';
import { BackendUnavailableError } from '../../../src/domain/errors.js';
import { receiveMessages, rejectsWithCode } from '../../conformance/queue-suite-support.js';

describe('embedded queue specifics', () => {
  let dir = '';
  let system: EmbeddedQueueSystem;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-embedded-queue-'));
    system = new EmbeddedQueueSystem(join(dir, 'nested', 'folder', 'queue.db'));
  });
  after(async () => {
    await system.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a damaged database file stops the start with what to do, not a bare error', async () => {
    const damaged = join(dir, 'damaged', 'queue.db');
    await mkdir(join(dir, 'damaged'), { recursive: true });
    await writeFile(damaged, Buffer.alloc(8192, 0x5a));
    assert.throws(() => new EmbeddedQueueSystem(damaged), (error: unknown) => {
      assert.ok(error instanceof BackendUnavailableError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /damaged or not a SQLite file \(SQLITE_NOTADB\)/);
      assert.match(error.message, /move the file away/);
      return true;
    });
  });

  test('the database file is created in a folder that did not exist', () => {
    assert.ok(existsSync(join(dir, 'nested', 'folder', 'queue.db')));
  });

  test('a dead-lettered message starts over with receive count 1 in a dead-letter queue created on demand', async () => {
    const queue = await system.create('poisoned', {
      visibilityTimeoutSeconds: 1,
      deadLetter: { queueName: 'poisoned-dlq', maxReceiveCount: 1 },
    });
    const id = await queue.send('bad input');
    const [first] = await queue.receive();
    assert.equal(first?.receiveCount, 1);
    assert.deepEqual(await queue.receive({ waitTimeSeconds: 2 }), []);
    const deadLetters = await system.open('poisoned-dlq');
    const [dead] = await deadLetters.receive();
    assert.equal(dead?.id, id);
    assert.equal(dead.receiveCount, 1);
    assert.equal(dead.sentAt, first.sentAt);
  });

  test('reopening a queue without options keeps its visibility timeout and dead-letter policy', async () => {
    await system.create('settings', { visibilityTimeoutSeconds: 1, deadLetter: { queueName: 'settings-dlq', maxReceiveCount: 1 } });
    const reopened = await system.open('settings');
    await reopened.send('once');
    assert.equal((await reopened.receive()).length, 1);
    assert.deepEqual(await reopened.receive({ waitTimeSeconds: 2 }), [], 'default 30 s timeout or no redrive');
    assert.equal((await (await system.open('settings-dlq')).depth()).visible, 1);
  });

  test('a malformed receipt handle is INVALID_INPUT; a visibility timeout of 0 leaves the message visible', async () => {
    const queue = await system.create('handles');
    await rejectsWithCode(queue.delete('not-a-handle'), 'INVALID_INPUT');
    await rejectsWithCode(queue.changeVisibility('12', 5), 'INVALID_INPUT');
    await queue.send('peek');
    const [peeked] = await queue.receive({ visibilityTimeoutSeconds: 0 });
    assert.ok(peeked);
    assert.deepEqual(await queue.depth(), { visible: 1, inFlight: 0, delayed: 0 });
    await queue.delete(peeked.receiptHandle);
    assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
  });

  test('an aborted long poll takes nothing: a message sent afterwards stays visible', async () => {
    const queue = await system.create('aborted');
    const controller = new AbortController();
    const waiting = queue.receive({ waitTimeSeconds: 20, signal: controller.signal });
    controller.abort();
    assert.deepEqual(await waiting, []);
    await queue.send('after the abort');
    assert.deepEqual(await queue.depth(), { visible: 1, inFlight: 0, delayed: 0 });
    assert.deepEqual(await queue.receive({ signal: AbortSignal.abort() }), []);
  });

  test('a message sent through one system is received through another on the same file', async () => {
    const other = new EmbeddedQueueSystem(join(dir, 'nested', 'folder', 'queue.db'));
    try {
      const receiving = (await system.create('shared')).receive({ waitTimeSeconds: 5 });
      const id = await (await other.open('shared')).send('across connections');
      assert.equal((await receiving)[0]?.id, id);
    } finally {
      await other.close();
    }
  });

  test('close ends waiting long polls with [] and later calls reject with BACKEND_UNAVAILABLE', async () => {
    const own = new EmbeddedQueueSystem(join(dir, 'closing.db'));
    const queue = await own.create('closing');
    const waiting = queue.receive({ waitTimeSeconds: 20 });
    const closed = own.close();
    assert.equal(own.close(), closed, 'close returns the same promise every time');
    await closed;
    assert.deepEqual(await waiting, []);
    await rejectsWithCode(queue.send('after close'), 'BACKEND_UNAVAILABLE');
    await rejectsWithCode(own.open('closing'), 'BACKEND_UNAVAILABLE');
    const reopened = new EmbeddedQueueSystem(join(dir, 'closing.db'));
    assert.deepEqual(await receiveMessages(await reopened.open('closing'), 1, { waitTimeSeconds: 0, rounds: 1 }), []);
    await reopened.close();
  });
});

test('better-sqlite3 built for another Node is NATIVE_MODULE_MISMATCH naming it and npm rebuild, not BACKEND_UNAVAILABLE', () => {
  const preload = pathToFileURL(join(process.cwd(), 'test/fixtures/native/abi-mismatch-preload.mjs')).href;
  const queue = pathToFileURL(join(process.cwd(), 'dist/src/adapters/queue/index.js')).href;
  // The preload refuses the .node file before Node loads it, so this also runs where better-sqlite3 12 may not load.
  const script = `import { EmbeddedQueueSystem } from ${JSON.stringify(queue)};
    try { new EmbeddedQueueSystem(process.argv[1], { driver: 'better-sqlite3' }); console.log('opened'); }
    catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }`;
  const dir = join(tmpdir(), `scaleface-mismatch-${process.pid}`);
  const run = spawnSync(process.execPath, ['--import', preload, '--input-type=module', '-e', script, join(dir, 'queue.db')], { encoding: 'utf8', timeout: 30_000 });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(run.status, 0, run.stderr);
  const said = JSON.parse(run.stdout.trim()) as { code?: string; message: string };
  // better-sqlite3 is an optional dependency: where its build failed there is nothing to load.
  if (said.code === 'BACKEND_UNAVAILABLE' && /\(MODULE_NOT_FOUND\)/.test(said.message)) return;
  assert.equal(said.code, 'NATIVE_MODULE_MISMATCH', said.message);
  assert.match(said.message, /native module better-sqlite3 .* NODE_MODULE_VERSION 115, but this Node .* requires NODE_MODULE_VERSION \d+\. Fix: run `npm rebuild better-sqlite3`/);
});

