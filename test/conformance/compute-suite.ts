/**
 * The InstancePool + WorkerReporter conformance suite: what the autoscaler relies on from a compute backend,
 * whichever it is. Each backend runs it with `runComputeConformance(label, harness)`: the harness starts a pool
 * whose workers are stand-ins that only report through the backend's own WorkerReporter (no model), each doing
 * what its plan says (report ready with a runtime and a busy count, or never report at all).
 */
import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';
import { isActive, unresponsiveInstances } from '../../src/autoscaler/fleet.js';
import type { Instance, InstancePool } from '../../src/ports/instance-pool.js';
import { waitUntil } from '../helpers/wait.js';

/** What the stand-in worker of one instance does once it runs. */
export interface WorkerPlan {
  /** Report ready with this runtime (then busy below); undefined: the worker never reports anything. */
  readonly runtime?: string;
  readonly busy?: number;
}

/** One backend with its pool, as one autoscaler would drive it. */
export interface ComputeWorld {
  readonly pool: InstancePool;
  /** Another pool on the same backend, as the next autoscaler opens it (backends whose instances outlive close). */
  reopen?(): InstancePool;
  /** Ends whatever this world still runs (processes, reporters) and forgets it. */
  dispose(): Promise<void>;
}

export interface ComputeHarness {
  /** A fresh backend, with nothing launched; the worker of instance `name` follows `plan(name)`. */
  makeWorld(plan: (name: string) => WorkerPlan): Promise<ComputeWorld>;
  /** True when close() stops the instances (local children); false when they run on for the next autoscaler (EC2). */
  readonly closeStopsInstances: boolean;
  cleanup?(): Promise<void>;
}

const RUNTIME = 'conformance-runtime 1.0';
const READY: WorkerPlan = { runtime: RUNTIME, busy: 0 };
const SILENT: WorkerPlan = {};

const find = async (pool: InstancePool, id: string): Promise<Instance | undefined> => (await pool.list()).find((i) => i.id === id);

export function runComputeConformance(label: string, harness: ComputeHarness): void {
  describe(`compute conformance (InstancePool + WorkerReporter): ${label}`, () => {
    after(async () => {
      await harness.cleanup?.();
    });

    /** A world for one test, disposed when the test ends. */
    const world = async (t: TestContext, plan: (name: string) => WorkerPlan): Promise<ComputeWorld> => {
      const made = await harness.makeWorld(plan);
      t.after(() => made.dispose());
      return made;
    };

    test('launch starts instances named with the lowest free numbers, pending and not ready, that list() shows', async (t) => {
      const { pool } = await world(t, () => SILENT);
      assert.deepEqual(await pool.launch(0), []);
      const before = Date.now();
      const launched = await pool.launch(2);
      assert.deepEqual(launched.map((i) => i.name), ['app-tier-instance-1', 'app-tier-instance-2']);
      assert.equal(new Set(launched.map((i) => i.id)).size, 2, 'ids are distinct');
      for (const instance of launched) {
        assert.ok(instance.id.length > 0);
        assert.equal(instance.state, 'pending');
        assert.equal(instance.ready, false);
        assert.ok(instance.launchedAt >= before - 1000 && instance.launchedAt <= Date.now() + 1000, `launchedAt ${instance.launchedAt}`);
      }
      const listed = await pool.list();
      assert.deepEqual(listed.map((i) => [i.id, i.name]), launched.map((i) => [i.id, i.name]));
      assert.ok(listed.every(isActive));
    });

    test("a worker's ready report makes its instance running and ready, with the runtime it reported", async (t) => {
      const { pool } = await world(t, () => READY);
      const [launched] = await pool.launch(1);
      assert.ok(launched);
      await waitUntil('the instance is ready', async () => (await find(pool, launched.id))?.ready === true);
      const instance = await find(pool, launched.id);
      assert.deepEqual(instance && { name: instance.name, state: instance.state, runtime: instance.runtime }, {
        name: 'app-tier-instance-1',
        state: 'running',
        runtime: RUNTIME,
      });
    });

    test('the busy count a worker reports reaches list()', async (t) => {
      const { pool } = await world(t, () => ({ runtime: RUNTIME, busy: 2 }));
      const [launched] = await pool.launch(1);
      assert.ok(launched);
      await waitUntil('the busy count arrives', async () => (await find(pool, launched.id))?.busy === 2);
      assert.equal((await find(pool, launched.id))?.ready, true);
    });

    test('an instance whose worker never reports is never ready, and the boot deadline names it', async (t) => {
      const { pool } = await world(t, (name) => (name === 'app-tier-instance-1' ? READY : SILENT));
      const [talker, silent] = await pool.launch(2);
      assert.ok(talker && silent);
      // Both started together: once one has reported, the other had the same time to.
      await waitUntil('the reporting worker is ready', async () => (await find(pool, talker.id))?.ready === true);
      const listed = await pool.list();
      const quiet = listed.find((i) => i.id === silent.id);
      assert.ok(quiet, 'the silent instance is still listed');
      assert.ok(isActive(quiet), `state ${quiet.state}`);
      assert.equal(quiet.ready, false);
      assert.equal(quiet.lastHeartbeatAt, undefined, 'no proof of life was given');
      assert.equal(quiet.runtime, undefined);
      const deadlines = { bootMs: 60_000, heartbeatMs: 30_000 };
      assert.deepEqual(unresponsiveInstances(listed, quiet.launchedAt + deadlines.bootMs, deadlines), [], 'not before its deadline');
      const late = unresponsiveInstances(listed, quiet.launchedAt + deadlines.bootMs + 1, deadlines);
      assert.deepEqual(late.map((u) => u.instance.id), [silent.id], 'only the silent one, once past its boot deadline');
    });

    test('terminate stops an instance: it is no longer active nor ready, it leaves list(), and its name is free again', async (t) => {
      const { pool } = await world(t, () => READY);
      const launched = await pool.launch(3);
      await waitUntil('all are ready', async () => (await pool.list()).filter((i) => i.ready).length === 3);
      const middle = launched[1]!;
      await pool.terminate(middle.id);
      const right = await find(pool, middle.id);
      assert.ok(right === undefined || (!isActive(right) && right.state !== 'terminated'), `after terminate: ${JSON.stringify(right)}`);
      await waitUntil('it has left list()', async () => {
        const seen = await find(pool, middle.id);
        assert.ok(seen === undefined || (!seen.ready && !isActive(seen)), 'a stopping worker was taken for an active or ready one');
        return seen === undefined;
      });
      const others = await pool.list();
      assert.deepEqual(others.map((i) => [i.name, i.ready]), [['app-tier-instance-1', true], ['app-tier-instance-3', true]]);
      const relaunched = await pool.launch(2);
      assert.deepEqual(relaunched.map((i) => i.name), ['app-tier-instance-2', 'app-tier-instance-4']);
      assert.ok(!relaunched.some((i) => i.id === middle.id), 'a new instance, not the stopped one');
    });

    test('terminate is idempotent, and an unknown id is a no-op that touches no other instance', async (t) => {
      const { pool } = await world(t, () => READY);
      const [kept, stopped] = await pool.launch(2);
      assert.ok(kept && stopped);
      await waitUntil('both are ready', async () => (await pool.list()).filter((i) => i.ready).length === 2);
      await pool.terminate(stopped.id);
      await pool.terminate(stopped.id);
      await pool.terminate('no-such-instance');
      await waitUntil('the stopped one left', async () => (await find(pool, stopped.id)) === undefined);
      await pool.terminate(stopped.id);
      const listed = await pool.list();
      assert.deepEqual(listed.map((i) => [i.id, i.state, i.ready]), [[kept.id, 'running', true]]);
    });

    test(harness.closeStopsInstances ? 'close stops every instance' : 'close leaves the instances running for the next pool to adopt', async (t) => {
      const made = await world(t, () => READY);
      const launched = await made.pool.launch(2);
      await waitUntil('both are ready', async () => (await made.pool.list()).filter((i) => i.ready).length === 2);
      await made.pool.close();
      if (harness.closeStopsInstances) {
        assert.deepEqual((await made.pool.list()).filter(isActive), []);
        return;
      }
      assert.ok(made.reopen, 'a backend whose instances outlive close() must let the next pool open it');
      const next = made.reopen();
      const adopted = await next.list();
      assert.deepEqual(adopted.map((i) => [i.id, i.name, i.ready]), launched.map((i) => [i.id, i.name, true]));
    });
  });
}
