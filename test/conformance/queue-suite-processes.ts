import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueueSuiteContext } from './queue-suite.js';
import { idsOf, receiveMessages, sleep, startQueueChild } from './queue-suite-support.js';

const CONSUMED_MESSAGES = 200;
const CHURNED_MESSAGES = 40;

/** Several OS processes on one queue, killed processes, and closing and reopening the system. */
export function describeQueueProcesses(context: QueueSuiteContext): void {
  describe('processes and durability', () => {
    test('two consumer processes receive every message exactly once between them', async () => {
      const queue = await context.create('consumers');
      const sent = new Set<string>();
      for (let i = 0; i < CONSUMED_MESSAGES; i += 1) sent.add(await queue.send(`job ${i}`));
      const job = {
        config: context.harness.childConfig(),
        queue: queue.name,
        mode: 'consume' as const,
        count: CONSUMED_MESSAGES,
        visibilityTimeoutSeconds: 60,
      };
      const children = [startQueueChild(job), startQueueChild(job)];
      await Promise.all(children.map((child) => child.next('ready')));
      for (const child of children) child.process.stdin?.write('go\n');
      const reports = await Promise.all(children.map((child) => child.next('done')));
      assert.deepEqual(await Promise.all(children.map((child) => child.exited)), [0, 0]);

      const [firstIds, secondIds] = reports.map(idsOf);
      assert.ok(firstIds && secondIds);
      const both = firstIds.filter((id) => secondIds.includes(id));
      assert.deepEqual(both, [], 'both consumers held the same message');
      const all = [...firstIds, ...secondIds];
      assert.equal(all.length, CONSUMED_MESSAGES, 'a message was received twice or not at all');
      assert.deepEqual(new Set(all), sent);
      assert.deepEqual(await queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    });

    test('a process killed while sending and receiving loses no message', async () => {
      const queue = await context.create('killed');
      const child = startQueueChild({
        config: context.harness.childConfig(),
        queue: queue.name,
        mode: 'churn',
        count: CHURNED_MESSAGES,
        visibilityTimeoutSeconds: 1,
      });
      const sent = new Set(idsOf(await child.next('sent')));
      await sleep(150);
      child.process.kill('SIGKILL');
      assert.equal(await child.exited, 'SIGKILL');

      const depth = await queue.depth();
      assert.equal(depth.visible + depth.inFlight + depth.delayed, CHURNED_MESSAGES);
      const received = await receiveMessages(queue, CHURNED_MESSAGES);
      assert.equal(received.length, CHURNED_MESSAGES, 'messages held by the killed process did not come back');
      assert.deepEqual(new Set(received.map((m) => m.id)), sent);
    });

    test('closing and reopening the system keeps sent and in-flight messages', async (t) => {
      if (!context.harness.durable) {
        t.skip('this backend does not keep messages across close and reopen');
        return;
      }
      const first = await context.harness.makeSystem();
      const name = (await context.create('reopen')).name;
      const before = await first.open(name);
      const sent = new Set<string>();
      for (let i = 0; i < 5; i += 1) sent.add(await before.send(`durable ${i}`));
      const held = await receiveMessages(before, 2, { visibilityTimeoutSeconds: 1 });
      assert.equal(held.length, 2);
      await first.close();

      const second = await context.harness.makeSystem();
      try {
        const after = await second.open(name);
        assert.deepEqual(await after.depth(), { visible: 3, inFlight: 2, delayed: 0 });
        const received = await receiveMessages(after, 5);
        assert.deepEqual(new Set(received.map((m) => m.id)), sent);
        const heldIds = new Set(held.map((m) => m.id));
        for (const message of received) assert.equal(message.receiveCount, heldIds.has(message.id) ? 2 : 1);
      } finally {
        await second.close();
      }
    });
  });
}
