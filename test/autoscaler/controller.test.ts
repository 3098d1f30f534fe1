import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AutoscalerController } from '../../src/autoscaler/controller.js';
import { scaleInCandidates } from '../../src/autoscaler/fleet.js';
import type { PolicySettings } from '../../src/autoscaler/policy.js';
import { LocalProcessPool } from '../../src/adapters/compute/local-process-pool.js';
import { EmbeddedQueueSystem } from '../../src/adapters/queue/embedded-queue.js';
import { BackendUnavailableError } from '../../src/domain/errors.js';
import type { Instance } from '../../src/ports/instance-pool.js';
import type { Queue, QueueDepth } from '../../src/ports/queue.js';
import { memoryLogger, type LogLine } from '../helpers/memory-logger.js';
import { waitUntil } from '../helpers/wait.js';
import { makeSandbox, QUEUE_NAME, TEST_POLICY_SETTINGS, type Sandbox } from './support.js';

const SETTINGS: PolicySettings = TEST_POLICY_SETTINGS;

/** The real queue, except that reading its depth fails (the monitoring API is down). */
function withBrokenDepth(queue: Queue): Queue {
  return {
    name: queue.name,
    send: (body, options) => queue.send(body, options),
    receive: (options) => queue.receive(options),
    changeVisibility: (handle, seconds) => queue.changeVisibility(handle, seconds),
    delete: (handle) => queue.delete(handle),
    depth: () => Promise.reject(new BackendUnavailableError('GetQueueAttributes timed out')),
  };
}

/** The real queue; depth() takes 30 ms longer and counts how many reads overlap. */
function withSlowDepth(queue: Queue, overlap: { now: number; max: number; calls: number }): Queue {
  return {
    ...withBrokenDepth(queue),
    depth: async (): Promise<QueueDepth> => {
      overlap.calls++;
      overlap.max = Math.max(overlap.max, ++overlap.now);
      await sleep(30);
      overlap.now--;
      return queue.depth();
    },
  };
}

const instance = (name: string, launchedAt: number, state: Instance['state'], busy: number | undefined): Instance => ({
  id: name,
  name,
  state,
  launchedAt,
  ready: state === 'running',
  busy,
});

describe('scaleInCandidates', () => {
  test('only idle pending/running instances, newest first', () => {
    const all = [
      instance('app-tier-instance-1', 100, 'running', 0),
      instance('app-tier-instance-2', 200, 'running', 2),
      instance('app-tier-instance-3', 300, 'stopping', 0),
      instance('app-tier-instance-4', 300, 'pending', 0),
      instance('app-tier-instance-5', 300, 'running', 0),
      instance('app-tier-instance-6', 250, 'running', undefined),
    ];
    assert.deepEqual(scaleInCandidates(all, 1).map((i) => i.name), ['app-tier-instance-5', 'app-tier-instance-4', 'app-tier-instance-1']);
    assert.deepEqual(scaleInCandidates(all, 0).map((i) => i.name), [
      'app-tier-instance-5',
      'app-tier-instance-4',
      'app-tier-instance-6',
      'app-tier-instance-1',
    ]);
    assert.deepEqual(scaleInCandidates(all, undefined).map((i) => i.name), ['app-tier-instance-5', 'app-tier-instance-4', 'app-tier-instance-1']);
  });
});

describe('AutoscalerController with the local process pool and the embedded queue', () => {
  let sandbox: Sandbox;
  let system: EmbeddedQueueSystem;
  let queue: Queue;

  // A fresh queue database, results folder and exit list for every test.
  beforeEach(async () => {
    sandbox = await makeSandbox();
    system = new EmbeddedQueueSystem(sandbox.dbPath);
    queue = await system.create(QUEUE_NAME, { visibilityTimeoutSeconds: 30 });
  });

  afterEach(async () => {
    await sandbox.cleanup();
    await system.close();
  });

  test('scales 0 → max for 30 messages, processes each exactly once, and returns to 0 when idle', async () => {
    const pool = sandbox.pool({ holdMs: 40 });
    const logs: LogLine[] = [];
    const controller = new AutoscalerController({ queue, pool, settings: SETTINGS, tickMs: 100, logger: memoryLogger(logs) });
    const observed: number[] = [];
    const sampler = setInterval(() => void pool.list().then((l) => observed.push(l.length)), 10);
    try {
      controller.start();
      await waitUntil('the first tick', () => controller.status().lastDecision !== undefined);
      assert.equal(controller.status().desired, 0);
      assert.deepEqual(await pool.list(), []);

      // Paused while the 30 arrive, so that the first tick after start() sees all of them.
      await controller.stop();
      const bodies = Array.from({ length: 30 }, (_, i) => `request-${i}`);
      for (const body of bodies) await queue.send(body);
      controller.start();
      await waitUntil('a tick after the sends', () => controller.status().recentDecisions.length >= 2);
      assert.equal(
        controller.status().recentDecisions[1]?.reason,
        'arrivals 0/s × 100 ms / 0.8 busy = 0 + backlog 30 × 100 ms / 0.5 s = 6 → 6 (visible 30, in flight 0), clamped to max 3; leaving 0, 0 → 3',
      );

      await waitUntil('all 30 were deleted', async () => (await sandbox.records()).filter((r) => r.event === 'deleted').length >= 30);
      await waitUntil('back to 0 instances', async () => (await pool.list()).length === 0 && controller.status().desired === 0);
      await controller.stop();

      const records = await sandbox.records();
      const deleted = records.filter((r) => r.event === 'deleted').map((r) => r.body).sort();
      assert.deepEqual(deleted, [...bodies].sort(), 'every message deleted exactly once');
      assert.equal(records.filter((r) => r.event === 'deleted' && r.stopRequestedBeforeDelete).length, 0);
      assert.ok(records.filter((r) => r.event === 'sigterm').every((r) => r.held === 0), 'no instance was stopped holding work');
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
      assert.equal(sandbox.exits.length, 3);
      assert.ok(sandbox.exits.every((e) => e.expected && e.code === 0), JSON.stringify(sandbox.exits));

      const decisions = controller.status().recentDecisions;
      assert.ok(decisions.every((d) => d.current <= SETTINGS.maxInstances && d.desired <= SETTINGS.maxInstances));
      assert.ok(observed.length > 0 && observed.every((n) => n <= SETTINGS.maxInstances), `observed ${observed.join(',')}`);
      // Down gradually or at once, but the last step is the idle window's.
      assert.ok(decisions.some((d) => /idle \d+ ms >= 300 ms, scaling in [1-3] → 0/.test(d.reason)), JSON.stringify(decisions.map((d) => d.reason)));
      assert.ok(logs.some((l) => l.msg.startsWith('scaling up, launching 3: arrivals 0/s × 100 ms / 0.8 busy = 0 + backlog 30 ')));
      assert.ok(logs.some((l) => /^scaling in, terminating \d of [1-3]: arrivals .* \+ backlog 0 /.test(l.msg)));
      assert.equal(controller.status().lastError, undefined);
    } finally {
      clearInterval(sampler);
      await controller.stop();
      await pool.close();
    }
  });

  test('poke() runs a tick at once instead of waiting for the next one', async () => {
    const pool = sandbox.pool();
    const controller = new AutoscalerController({ queue, pool, settings: SETTINGS, tickMs: 60_000 });
    try {
      controller.start();
      await waitUntil('the first tick', () => controller.status().lastDecision !== undefined);
      assert.equal(controller.status().desired, 0);
      await queue.send('cold-start');
      await controller.poke();
      assert.equal(controller.status().desired, 1, controller.status().lastDecision?.reason);
      assert.equal((await pool.list()).length, 1);
      await waitUntil('it was processed', async () => (await sandbox.records()).some((r) => r.body === 'cold-start'));
    } finally {
      await controller.stop();
      await pool.close();
    }
  });

  test('never terminates an instance that holds a message', async () => {
    const pool = sandbox.pool({ holdMs: 1500 });
    const controller = new AutoscalerController({ queue, pool, settings: { ...SETTINGS, maxInstances: 1 }, tickMs: 100 });
    try {
      await pool.launch(2);
      await waitUntil('both ready', async () => (await pool.list()).every((i) => i.ready));
      await queue.send('long-job');
      await waitUntil('one holds it', async () => (await pool.list()).some((i) => i.busy === 1));
      const holder = (await pool.list()).find((i) => i.busy === 1);
      assert.ok(holder);
      await controller.tick(); // 2 running, max 1: one must go, and only the idle one may
      assert.equal(controller.status().desired, 1, controller.status().lastDecision?.reason);
      await waitUntil('the idle one exited', () => sandbox.exits.length === 1);
      assert.notEqual(sandbox.exits[0]?.id, holder.id);
      assert.equal(sandbox.exits[0]?.expected, true);
      await controller.tick();
      assert.deepEqual((await pool.list()).map((i) => [i.id, i.state, i.busy]), [[holder.id, 'running', 1]]);
      await waitUntil('the job finished', async () => (await sandbox.records()).some((r) => r.body === 'long-job'));
      const job = (await sandbox.records()).find((r) => r.body === 'long-job');
      assert.equal(job?.stopRequestedBeforeDelete, false);
      assert.equal(job?.worker, holder.name);
    } finally {
      await controller.stop();
      await pool.close();
    }
  });

  test('instances still stopping count against max: launches wait for them', async () => {
    // Children that ignore SIGTERM stay 'stopping' until the pool's SIGKILL (1 s).
    const stubborn = "process.on('SIGTERM', () => {}); console.log('armed'); setInterval(() => {}, 1000)";
    const pool = new LocalProcessPool({ command: process.execPath, args: () => ['-e', stubborn], logDir: sandbox.logDir, stopTimeoutMs: 1000 });
    const logs: LogLine[] = [];
    const controller = new AutoscalerController({ queue, pool, settings: SETTINGS, tickMs: 100, logger: memoryLogger(logs) });
    try {
      const old = await pool.launch(2);
      await waitUntil('both armed', async () => {
        const texts = await Promise.all(old.map((i) => readFile(join(sandbox.logDir, `${i.name}.log`), 'utf8')));
        return texts.every((t) => t.includes('armed'));
      });
      for (const i of old) await pool.terminate(i.id);
      for (let n = 0; n < 10; n++) await queue.send(`job-${n}`);
      await controller.tick(); // wants 2 (10 / 5), but 2 are still stopping and max is 3
      const states = (await pool.list()).map((i) => i.state).sort();
      assert.deepEqual(states, ['pending', 'stopping', 'stopping']);
      assert.equal(controller.status().desired, 2);
      assert.ok(logs.some((l) => l.msg.startsWith('scaling up, launching 1: ') && l.fields.waitingForStoppingToExit === 1));
    } finally {
      await controller.stop();
      await pool.close();
    }
  });

  test('when the queue depth cannot be read, holds the current count and reports why', async () => {
    const pool = sandbox.pool();
    const logs: LogLine[] = [];
    const controller = new AutoscalerController({ queue: withBrokenDepth(queue), pool, settings: SETTINGS, tickMs: 100, logger: memoryLogger(logs) });
    try {
      await pool.launch(2);
      await controller.tick();
      await controller.tick();
      const status = controller.status();
      assert.equal(status.desired, 2);
      assert.equal(status.backlog, undefined);
      assert.match(status.lastDecision?.reason ?? '', /queue depth unavailable; holding 2/);
      assert.match(status.lastError ?? '', /reading the request-queue depth failed.*GetQueueAttributes timed out/);
      assert.equal(status.instances.filter((i) => i.state !== 'stopping').length, 2, 'nothing was terminated');
      assert.ok(logs.some((l) => l.level === 'error' && l.msg.includes('GetQueueAttributes timed out')));
    } finally {
      await controller.stop();
      await pool.close();
    }
  });

  test('a failing launch does not crash the loop and is reported', async () => {
    const pool = new LocalProcessPool({ command: `${sandbox.dir}/missing-worker-binary`, args: () => [] });
    const logs: LogLine[] = [];
    const controller = new AutoscalerController({ queue, pool, settings: SETTINGS, tickMs: 50, logger: memoryLogger(logs) });
    try {
      await queue.send('needs-a-worker');
      controller.start();
      await waitUntil('three ticks', () => controller.status().recentDecisions.length >= 3);
      const status = controller.status();
      assert.ok(status.recentDecisions.every((d) => d.desired === 1 && d.current === 0));
      assert.match(status.lastError ?? '', /launching 1 instance\(s\) failed: cannot start app-tier-instance-1/);
      assert.ok(logs.filter((l) => l.level === 'error').length >= 3);
    } finally {
      await controller.stop();
      await pool.close();
    }
  });

  test('ticks never overlap: concurrent calls share one follow-up tick', async () => {
    const pool = new LocalProcessPool({ command: process.execPath, args: () => [] });
    const overlap = { now: 0, max: 0, calls: 0 };
    const controller = new AutoscalerController({ queue: withSlowDepth(queue, overlap), pool, settings: SETTINGS, tickMs: 1000 });
    await Promise.all([controller.tick(), controller.tick(), controller.tick(), controller.tick(), controller.tick()]);
    assert.equal(overlap.max, 1);
    assert.equal(overlap.calls, 2, 'one tick, then one for everything that arrived meanwhile');
    assert.equal(controller.status().recentDecisions.length, 2);
    await controller.poke();
    assert.equal(overlap.calls, 2, 'poke does nothing before start()');
    await pool.close();
  });
});
