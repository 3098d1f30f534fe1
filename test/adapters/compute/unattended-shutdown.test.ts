/**
 * A worker on EC2 left without an autoscaler shuts its machine down: when it has had no work and no fresh
 * autoscaler heartbeat (`autoscaler/heartbeat.json` in the control bucket) for `unattendedShutdownMs`, its
 * reporter's owner is gone (the worker stops as on SIGTERM), and closing the reporter runs the shutdown
 * command. On real files in a temp folder, with a shutdown command that only writes a marker file.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test, type TestContext } from 'node:test';
import { AUTOSCALER_HEARTBEAT_KEY, startAutoscalerHeartbeat } from '../../../src/adapters/compute/autoscaler-heartbeat.js';
import { Ec2HeartbeatReporter } from '../../../src/adapters/compute/ec2-heartbeat.js';
import { createWorkerReporter } from '../../../src/adapters/compute/index.js';
import { LocalFolderStore } from '../../../src/adapters/storage/local-folder.js';
import { loadConfig } from '../../../src/config/index.js';
import { waitUntil, waitUntilEachTurn } from '../../helpers/wait.js';

const BUCKET = 'sf-control';
const UNATTENDED_MS = 400;
let dir: string;
let store: LocalFolderStore;
let marker: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scaleface-unattended-'));
  store = new LocalFolderStore(join(dir, 'buckets'));
  await store.ensureBucket(BUCKET);
  marker = join(dir, 'shut-down');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A shutdown command that writes the marker file instead. */
function fakeShutdown(): string[] {
  return [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'down')`];
}

function reporter(): { reporter: Ec2HeartbeatReporter; gone: () => boolean } {
  const r = new Ec2HeartbeatReporter({ store, controlBucket: BUCKET, name: 'app-tier-instance-1', intervalMs: 50, unattendedShutdownMs: UNATTENDED_MS, shutdownCommand: fakeShutdown() });
  let gone = false;
  void r.ownerGone.then(() => (gone = true));
  return { reporter: r, gone: () => gone };
}

/**
 * The clock and the timers under the test's hand (`t.mock.timers`: setInterval and Date), with the store's real
 * file operations let finish after every step, so that each check of the watch has ended before the test looks.
 */
function mockedClock(t: TestContext): { advance(ms: number): Promise<void> } {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: Date.now() });
  const running = new Set<Promise<unknown>>();
  for (const name of ['get', 'put', 'head', 'delete'] as const) {
    const original = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
    t.mock.method(store, name, (...args: unknown[]) => {
      const call = original(...args);
      running.add(call);
      call.then(() => running.delete(call), () => running.delete(call));
      return call;
    });
  }
  const settle = async () => {
    do {
      await Promise.allSettled([...running]);
      await new Promise((resolve) => setImmediate(resolve));
    } while (running.size > 0);
  };
  return {
    async advance(ms) {
      await settle();
      for (let passed = 0; passed < ms; passed += 50) {
        t.mock.timers.tick(50);
        await settle();
      }
    },
  };
}

describe('unattended shutdown of an EC2 worker', () => {
  test('an idle worker stays while the autoscaler beats, and shuts its machine down once the autoscaler is silent', async (t) => {
    const clock = mockedClock(t);
    const autoscaler = startAutoscalerHeartbeat({ store, controlBucket: BUCKET, intervalMs: 50 });
    const { reporter: r, gone } = reporter();
    r.ready('test runtime');
    await waitUntilEachTurn('the autoscaler heartbeat is written', async () => (await store.head(BUCKET, AUTOSCALER_HEARTBEAT_KEY)) !== undefined);
    await clock.advance(3 * UNATTENDED_MS); // idle all along, but attended
    assert.equal(gone(), false, 'an attended idle worker is left to the autoscaler');
    await autoscaler.stop();
    await clock.advance(UNATTENDED_MS - 100);
    assert.equal(gone(), false, 'not before the autoscaler has been silent for the bound');
    await clock.advance(200);
    assert.equal(gone(), true, 'the worker gives up its machine once the autoscaler has been silent for the bound');
    assert.equal(existsSync(marker), false, 'the command runs when the worker has stopped, on close');
    await r.close();
    assert.equal(existsSync(marker), true, 'the shutdown command ran');
  });

  test('a busy worker keeps going without an autoscaler; once idle for the bound it shuts down', async (t) => {
    const clock = mockedClock(t);
    const { reporter: r, gone } = reporter();
    r.ready('test runtime');
    r.busy(1);
    await clock.advance(3 * UNATTENDED_MS);
    assert.equal(gone(), false, 'work in hand: the worker keeps going');
    r.busy(0);
    await clock.advance(UNATTENDED_MS - 100);
    assert.equal(gone(), false, 'not before the bound of idleness');
    await clock.advance(200);
    assert.equal(gone(), true, 'the idle, unattended worker gives up once idle for the bound');
    await r.close();
    assert.equal(existsSync(marker), true);
  });

  test('a worker stopped for another reason (SIGTERM) does not shut its machine down', async () => {
    const { reporter: r } = reporter();
    r.ready('test runtime');
    await r.close();
    assert.equal(existsSync(marker), false);
  });

  test('the factory hands the configured bound and command to the EC2 reporter', async () => {
    const config = loadConfig({ compute: { backend: 'ec2', ec2: { unattendedShutdownMs: 1000, shutdownCommand: fakeShutdown() } } }, {});
    const r = createWorkerReporter(config, { store, controlBucket: BUCKET, name: 'app-tier-instance-2' });
    let gone = false;
    void r.ownerGone.then(() => (gone = true));
    await waitUntil('unattended for the configured second', () => gone, 5000);
    await r.close();
    assert.equal(existsSync(marker), true);
  });
});
