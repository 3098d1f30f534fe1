/**
 * The boot deadline applies to local processes too (compute.bootDeadlineMs, through the controller `up` builds):
 * a local worker that never reports ready within it is killed (SIGTERM, then SIGKILL when it does not stop) and
 * replaced, and the decision log says why.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { LocalProcessPool, type InstanceExit } from '../../src/adapters/compute/local-process-pool.js';
import { loadConfig } from '../../src/config/index.js';
import type { Queue } from '../../src/ports/queue.js';
import { createController } from '../../src/system/up.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { waitUntil } from '../helpers/wait.js';

const NEVER_READY = fileURLToPath(new URL('./fixtures/never-ready-child.js', import.meta.url));

test('a local worker that never becomes ready within compute.bootDeadlineMs is killed and replaced, with the reason logged', async () => {
  const config = loadConfig({ compute: { bootDeadlineMs: 1000 }, autoscaler: { minInstances: 1, maxInstances: 2, tickMs: 100 } }, {});
  const exits: InstanceExit[] = [];
  const pool = new LocalProcessPool({ command: process.execPath, args: () => [NEVER_READY], stopTimeoutMs: 300, onExit: (exit) => exits.push(exit) });
  const queue = { name: 'q', depth: async () => ({ visible: 0, inFlight: 0, delayed: 0 }) } as unknown as Queue;
  const logger = memoryLogger();
  const controller = createController(config, queue, pool, logger);
  try {
    controller.start();
    await waitUntil('the first worker is listed', async () => (await pool.list()).length === 1);
    const [first] = await pool.list();
    await waitUntil('the first worker was killed and another launched', async () => {
      const now = await pool.list();
      return exits.some((e) => e.id === first!.id) && now.some((i) => i.id !== first!.id && i.state === 'pending');
    });
    const exit = exits.find((e) => e.id === first!.id)!;
    assert.equal(exit.signal, 'SIGKILL', 'it ignored SIGTERM, so the pool killed it');
    assert.equal(exit.expected, true, 'asked to stop: not a failed start that would hold launches back');
    assert.equal(controller.status().launchBackoff, undefined);
    const reasons = controller.status().recentDecisions.map((d) => d.reason);
    const why = new RegExp(`replacing 1 unresponsive: ${first!.name} was launched \\d+ s ago and never reported ready \\(boot deadline 1 s\\)`);
    assert.ok(reasons.some((r) => why.test(r)), reasons.join('\n'));
    const errors = logger.lines.filter((line) => line.level === 'error').map((line) => line.msg);
    assert.ok(errors.some((m) => m.startsWith(`terminating ${first!.name}: `)), errors.join('\n'));
  } finally {
    await controller.stop();
    await pool.close();
  }
});
