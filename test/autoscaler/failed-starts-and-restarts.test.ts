/**
 * A worker that cannot start (its model will not load) must not be launched again every tick: launches
 * wait, twice as long after each failed start, up to a ceiling, and a ready instance ends the wait.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalProcessPool, type InstanceExit } from '../../src/adapters/compute/local-process-pool.js';
import { AutoscalerController } from '../../src/autoscaler/controller.js';
import { TEST_POLICY_SETTINGS } from './support.js';
import { LaunchBackoff } from '../../src/autoscaler/launch-backoff.js';
import { EXIT_CANNOT_START, type Instance, type InstancePool } from '../../src/ports/instance-pool.js';
import type { Queue } from '../../src/ports/queue.js';
import { CapacityExceededError } from '../../src/domain/errors.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { waitUntil } from '../helpers/wait.js';

describe('launch backoff', () => {
  test('a launch refused for quota or capacity backs launching off (status says why), and a ready instance does not end it', async () => {
    let now = 1_000_000;
    let refusing = true;
    const launched: number[] = [];
    const ready: Instance = { id: 'i-1', name: 'app-tier-instance-1', state: 'running', launchedAt: 0, ready: true, busy: 5 };
    const pool: InstancePool = {
      list: async () => [ready],
      launch: async (count) => {
        launched.push(count);
        if (refusing) throw new CapacityExceededError('RunInstances app-tier-instance-2 refused: VcpuLimitExceeded: the account quota is reached');
        return [];
      },
      terminate: async () => undefined,
      close: async () => undefined,
    };
    const queue = { name: 'q', depth: async () => ({ visible: 10, inFlight: 5, delayed: 0 }) } as unknown as Queue;
    // A rate estimate that never moves: the test is about launching, not sizing.
    const settings = { ...TEST_POLICY_SETTINGS, maxInstances: 5, idleWindowMs: 1000, rateWindowMs: 1e12 };
    const controller = new AutoscalerController({ queue, pool, settings, tickMs: 1000, now: () => now });
    await controller.tick();
    assert.deepEqual(launched, [2]);
    await controller.tick();
    await controller.tick();
    assert.deepEqual(launched, [2], 'no launch while backing off, although an instance is ready');
    const backoff = controller.status().launchBackoff;
    assert.match(backoff?.lastFailure ?? '', /VcpuLimitExceeded/);
    assert.equal(backoff?.nextLaunchAt, 1_000_000 + 1000);
    now += 1001;
    await controller.tick();
    assert.deepEqual(launched, [2, 2], 'tried again after the wait');
    assert.equal(controller.status().launchBackoff?.nextLaunchAt, now + 2000, 'the wait doubled');
    now += 2001;
    refusing = false;
    await controller.tick();
    assert.equal(controller.status().launchBackoff, undefined, 'a launch that went through ends the backoff');
  });


  test('doubles from the base to the ceiling, and a ready instance resets it', () => {
    const backoff = new LaunchBackoff(1000, 8000);
    assert.equal(backoff.holdMs(0), 0);
    const holds = [1, 2, 3, 4, 5].map(() => {
      backoff.noteFailedStart(0, 'model missing');
      return backoff.holdMs(0);
    });
    assert.deepEqual(holds, [1000, 2000, 4000, 8000, 8000]);
    assert.equal(backoff.status()?.failedStarts, 5);
    assert.equal(backoff.holdMs(8000), 0, 'the wait ends');
    backoff.noteReady();
    assert.equal(backoff.status(), undefined);
  });

  test('the controller launches no more while held back, says so in its status, and launches once the wait is over', async () => {
    let now = 1_000_000;
    const launched: number[] = [];
    let instances: Instance[] = [];
    const pool: InstancePool = {
      list: async () => instances,
      launch: async (count) => {
        launched.push(count);
        return [];
      },
      terminate: async () => undefined,
      close: async () => undefined,
    };
    const queue = { name: 'q', depth: async () => ({ visible: 3, inFlight: 0, delayed: 0 }) } as unknown as Queue;
    const settings = { ...TEST_POLICY_SETTINGS, maxInstances: 2, idleWindowMs: 1000 };
    const controller = new AutoscalerController({ queue, pool, settings, tickMs: 1000, now: () => now });
    await controller.tick();
    assert.deepEqual(launched, [1]);
    controller.noteFailedStart('app-tier-instance-1 exited with code 78 before it was ready');
    await controller.tick();
    await controller.tick();
    assert.deepEqual(launched, [1], 'held back');
    const status = controller.status().launchBackoff;
    assert.equal(status?.failedStarts, 1);
    assert.match(status?.lastFailure ?? '', /code 78/);
    now += 1001;
    await controller.tick();
    assert.deepEqual(launched, [1, 1], 'launched again after the wait');
    instances = [{ id: '1', name: 'app-tier-instance-1', state: 'running', launchedAt: now, ready: true, busy: 0 }];
    await controller.tick();
    assert.equal(controller.status().launchBackoff, undefined, 'a ready instance ends the backoff');
  });

  test('the local pool reports a worker that exits before it is ready, with its exit code', async () => {
    const exits: InstanceExit[] = [];
    const pool = new LocalProcessPool({
      command: process.execPath,
      args: () => ['-e', `process.exit(${EXIT_CANNOT_START})`],
      onExit: (exit) => exits.push(exit),
    });
    try {
      await pool.launch(1);
      await waitUntil('the worker exited', async () => exits.length === 1, 10_000);
      assert.equal(exits[0]?.code, EXIT_CANNOT_START);
      assert.equal(exits[0]?.beforeReady, true);
      assert.equal(exits[0]?.expected, false);
    } finally {
      await pool.close();
    }
  });
});

describe('a controller that starts with instances already running', () => {
  test('holds them for one idle window instead of stopping them at once, and says so', async () => {
    let now = 5_000_000;
    const terminated: string[] = [];
    const running = (id: string): Instance => ({ id, name: `app-tier-instance-${id}`, state: 'running', launchedAt: 0, ready: true, busy: 0 });
    const pool: InstancePool = {
      list: async () => [running('1'), running('2')].filter((i) => !terminated.includes(i.id)),
      launch: async () => [],
      terminate: async (id) => void terminated.push(id),
      close: async () => undefined,
    };
    const queue = { name: 'q', depth: async () => ({ visible: 0, inFlight: 0, delayed: 0 }) } as unknown as Queue;
    const settings = { ...TEST_POLICY_SETTINGS, maxInstances: 2, idleWindowMs: 120_000 };
    const logger = memoryLogger();
    const controller = new AutoscalerController({ queue, pool, settings, tickMs: 1000, now: () => now, logger });
    await controller.tick();
    const logged = logger.lines.map((line) => line.msg);
    assert.deepEqual(terminated, [], 'kept after a restart');
    assert.ok(logged.some((line) => /found 2 instance\(s\) at start; holding them for one idle window \(120000 ms\)/.test(line)), logged.join('\n'));
    now += 120_001;
    await controller.tick();
    assert.equal(terminated.length, 2, 'scaled in once the idle window passed');
  });
});
