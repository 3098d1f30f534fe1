/**
 * The one place `up` and `worker` answer SIGINT/SIGTERM: the first signal stops gracefully and then exits 0 (1
 * when stopping failed); a second one while stopping exits at once with 128 + its number. Signals are emitted on
 * the process (SIGUSR1/SIGUSR2, so a slip cannot end the test run); exits are recorded.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { describe, test } from 'node:test';
import { stopOnSignals } from '../../src/system/lifecycle.js';
import { memoryLogger } from '../helpers/memory-logger.js';

/** A stop that finishes when the test says so, counting its calls and the signal each got. */
function heldStop(): { stop: (signal: NodeJS.Signals) => Promise<void>; calls: NodeJS.Signals[]; finish(): void } {
  const calls: NodeJS.Signals[] = [];
  let finish = () => undefined as void;
  const stop = (signal: NodeJS.Signals) => {
    calls.push(signal);
    return new Promise<void>((resolve) => (finish = resolve));
  };
  return { stop, calls, finish: () => finish() };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('stopOnSignals', () => {
  test('a signal stops, then exits 0; a second one while stopping exits at once with 128 + its number', async () => {
    const exits: number[] = [];
    const held = heldStop();
    const log = memoryLogger();
    const remove = stopOnSignals(held.stop, { exit: (code) => void exits.push(code), signals: ['SIGUSR2'], log, stoppingMessage: 'closing' });
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      assert.deepEqual(held.calls, ['SIGUSR2'], 'stop is called with the signal');
      assert.deepEqual(exits, [], 'no exit before the stop finished');
      process.emit('SIGUSR2', 'SIGUSR2');
      assert.deepEqual(exits, [128 + constants.signals.SIGUSR2], 'the second signal exits at once');
      assert.equal(held.calls.length, 1, 'the second signal does not stop again');
      held.finish();
      await settle();
      assert.deepEqual(exits.slice(1), [0], 'exit 0 once the stop finished');
      assert.deepEqual(
        log.lines.map(({ level, fields, msg }) => [level, fields.signal, msg]),
        [
          ['info', 'SIGUSR2', 'closing'],
          ['info', 'SIGUSR2', 'second signal while closing: exiting now'],
        ],
      );
    } finally {
      remove();
    }
  });

  test('any of its signals counts as the second: SIGUSR1 after SIGUSR2', async () => {
    const exits: number[] = [];
    const held = heldStop();
    const remove = stopOnSignals(held.stop, { exit: (code) => void exits.push(code), signals: ['SIGUSR1', 'SIGUSR2'] });
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      process.emit('SIGUSR1', 'SIGUSR1');
      assert.deepEqual(exits, [128 + constants.signals.SIGUSR1]);
      assert.deepEqual(held.calls, ['SIGUSR2']);
    } finally {
      held.finish();
      remove();
    }
  });

  test('a failing stop exits 1 and logs the error as err', async () => {
    const log = memoryLogger();
    const failure = new Error('queue already closed');
    const exited = new Promise<number>((resolve) => {
      const remove = stopOnSignals(async () => Promise.reject(failure), { exit: (code) => (remove(), resolve(code)), signals: ['SIGUSR2'], log });
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    assert.equal(await exited, 1);
    const line = log.lines.find((l) => l.level === 'error');
    assert.equal(line?.msg, 'closing failed');
    assert.equal(line?.fields.err, failure, 'the Error itself, for pino to serialize');
  });

  test('the returned function removes exactly the handlers it installed', () => {
    const before = process.listenerCount('SIGUSR2');
    const remove = stopOnSignals(async () => undefined, { exit: () => assert.fail('no signal was sent'), signals: ['SIGUSR2'] });
    assert.equal(process.listenerCount('SIGUSR2'), before + 1);
    remove();
    assert.equal(process.listenerCount('SIGUSR2'), before);
  });
});
