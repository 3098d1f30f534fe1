/**
 * The red team's graceful stop, against the real `scaleface up` process on both backends (embedded SQLite +
 * folders; SQS + S3 on fauxqs): async jobs queued, SIGTERM, a restart on the same data. No job is marked
 * failed by the stop, and after the restart drained the queue every job reads succeeded with the label the
 * output bucket holds. And a synchronous request in flight at the SIGTERM is answered within the grace window.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runSigtermJobs } from '../../bench/red-team/sigterm-jobs.js';
import { blankJpeg, createDeployment, backlogOf, post } from '../../bench/red-team/support.js';
import { startSystemProcess } from '../../bench/system-process.js';

const JOBS = 40;

describe('SIGTERM to up with async jobs queued, then a restart', () => {
  for (const backend of ['embedded', 'sqs'] as const) {
    test(`${backend}: no job failed by the stop; after the restart all succeeded with their labels`, { timeout: 300_000 }, async () => {
      // Workers run before the stop, as in the attack: some jobs are in their hands, the rest queued.
      const result = await runSigtermJobs({ jobs: JOBS, backend, workersBeforeStop: true });
      console.log(`# ${backend}: ${JSON.stringify(result)}`);
      assert.equal(result.accepted, JOBS);
      assert.equal(result.recordsAfterStop.failed ?? 0, 0, 'the stop failed no job');
      assert.deepEqual(result.afterRestart, { succeeded: JOBS });
      assert.equal(result.wrongLabels, 0);
      assert.equal(result.labelsInOutput, JOBS);
    });
  }
});

test('a synchronous request in flight at the SIGTERM is answered within the grace window', { timeout: 120_000 }, async () => {
  const deployment = await createDeployment('embedded', 'sync-stop');
  try {
    await deployment.configure({ autoscaler: { maxInstances: 1 } });
    const system = await startSystemProcess(deployment.dataDir, deployment.env);
    let answered = false;
    const answer = post(system.url, '/', 'in_flight.jpg', await blankJpeg()).finally(() => (answered = true));
    // On the queue, waiting for the worker that is still loading its model.
    while (((await backlogOf(system.url)) ?? 0) === 0 && !answered) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(answered, false, 'the request is in flight when the SIGTERM comes');
    await system.stop();
    const { status, body } = await answer;
    assert.equal(`${status} ${body}`, '200 in_flight:NoFace');
  } finally {
    await deployment.dispose();
  }
});
