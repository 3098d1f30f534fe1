/**
 * Boot and heartbeat deadlines: an instance that never becomes ready, or whose heartbeat went silent after it
 * was ready, is not capacity. The pure rule names them with the reason in words; the controller does not count
 * them, terminates them and launches replacements.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AutoscalerController } from '../../src/autoscaler/controller.js';
import { TEST_POLICY_SETTINGS } from './support.js';
import { unresponsiveInstances } from '../../src/autoscaler/fleet.js';
import type { Instance, InstancePool } from '../../src/ports/instance-pool.js';
import type { Queue } from '../../src/ports/queue.js';

const DEADLINES = { bootMs: 300_000, heartbeatMs: 60_000 };
const NOW = 10_000_000;

function inst(name: string, fields: Partial<Instance>): Instance {
  return { id: `i-${name}`, name, state: 'running', launchedAt: NOW - 1000, ready: false, busy: 0, ...fields };
}

describe('unresponsiveInstances (pure)', () => {
  test('past the boot deadline without ever being ready, or silent past the heartbeat deadline, with the reason', () => {
    const found = unresponsiveInstances(
      [
        inst('booting', { state: 'pending', launchedAt: NOW - 60_000 }),
        inst('never-ready', { launchedAt: NOW - 301_000 }),
        inst('pending-forever', { state: 'pending', launchedAt: NOW - 400_000 }),
        inst('ready', { ready: true, launchedAt: NOW - 900_000, lastHeartbeatAt: NOW - 1000 }),
        inst('briefly-stale', { launchedAt: NOW - 900_000, lastHeartbeatAt: NOW - 30_000 }),
        inst('silent', { launchedAt: NOW - 900_000, lastHeartbeatAt: NOW - 61_000 }),
        inst('already-going', { state: 'stopping', launchedAt: NOW - 900_000 }),
      ],
      NOW,
      DEADLINES,
    );
    assert.deepEqual(found.map((u) => u.instance.name), ['never-ready', 'pending-forever', 'silent']);
    assert.match(found[0]!.reason, /never-ready was launched 301 s ago and never reported ready \(boot deadline 300 s\)/);
    assert.match(found[2]!.reason, /silent's last heartbeat was 61 s ago \(heartbeat deadline 60 s\)/);
  });
});

describe('the controller and the deadlines', () => {
  test('an instance that never became ready is not capacity: it is terminated and replaced, and the decision says why', async () => {
    let now = NOW;
    let instances: Instance[] = [inst('app-tier-instance-1', { launchedAt: NOW - 301_000 })];
    const launched: number[] = [];
    const terminated: string[] = [];
    const pool: InstancePool = {
      list: async () => instances,
      launch: async (count) => {
        launched.push(count);
        instances = [...instances, inst('app-tier-instance-2', { id: 'i-new', state: 'pending', launchedAt: now })];
        return [];
      },
      terminate: async (id) => {
        terminated.push(id);
        instances = instances.map((i) => (i.id === id ? { ...i, state: 'stopping' } : i));
      },
      close: async () => undefined,
    };
    const queue = { name: 'q', depth: async () => ({ visible: 3, inFlight: 0, delayed: 0 }) } as unknown as Queue;
    const settings = { ...TEST_POLICY_SETTINGS, maxInstances: 2, idleWindowMs: 1000 };
    const controller = new AutoscalerController({ queue, pool, settings, tickMs: 1000, now: () => now, deadlines: DEADLINES });
    await controller.tick();
    assert.deepEqual(terminated, ['i-app-tier-instance-1']);
    assert.deepEqual(launched, [1], 'a replacement');
    assert.match(controller.status().lastDecision?.reason ?? '', /replacing 1 unresponsive.*never reported ready/);
    now += 1000;
    await controller.tick();
    assert.deepEqual(launched, [1], 'the replacement counts while it boots');
  });
});
