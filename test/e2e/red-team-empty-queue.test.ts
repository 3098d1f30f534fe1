/**
 * The red team's lost queue, against the real `scaleface up`: jobs queued, `up` stopped, its queue database
 * emptied (`truncate -s 0 queue.db`) or removed; the next `up` refuses to start (exit 65) saying what it
 * found and how to go on, and `--accept-empty-queue` starts it with an empty queue.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queueWorkThenLoseTheQueue, startAndObserve } from '../../bench/red-team/empty-queue.js';
import { createDeployment } from '../../bench/red-team/support.js';
import { EXIT_QUEUE_LOST } from '../../src/domain/errors.js';

const JOBS = 12;

for (const how of ['truncate', 'remove'] as const) {
  test(`queue.db ${how === 'truncate' ? 'truncated to 0 bytes' : 'removed'} with ${JOBS} jobs queued: up refuses, and starts with --accept-empty-queue`, { timeout: 180_000 }, async () => {
    const deployment = await createDeployment('embedded', `lost-queue-${how}`);
    try {
      await queueWorkThenLoseTheQueue(deployment, JOBS, how);
      const refused = await startAndObserve(deployment, []);
      assert.equal(refused.outcome, EXIT_QUEUE_LOST, refused.stderr);
      assert.match(refused.stderr, /QUEUE_LOST: the request queue scaleface-req-queue does not exist \(its database .*queue\.db is empty or missing\)/);
      assert.match(refused.stderr, new RegExp(`${JOBS} uploads without a label, ${JOBS} unfinished jobs`));
      assert.match(refused.stderr, /--accept-empty-queue/);
      const accepted = await startAndObserve(deployment, ['--accept-empty-queue']);
      assert.equal(accepted.outcome, 'serving', accepted.stderr);
      assert.equal(accepted.backlog, 0);
      // The queue exists now: the next start needs no flag.
      assert.equal((await startAndObserve(deployment, [])).outcome, 'serving');
    } finally {
      await deployment.dispose();
    }
  });
}
