/**
 * Jobs outlive the web-tier process that accepted them: another process (behind a load balancer) and a
 * restarted one answer GET /v1/jobs/{id}, and a job expires after its time to live.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IDLE_STATUS } from '../helpers/status.js';
import { waitUntil } from '../helpers/wait.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { submitJob } from './support.js';

describe('jobs written through to the control bucket', () => {
  let backends: TempBackends;
  const tiers: WebTier[] = [];
  const tier = async (jobTtlMs = 60_000) => {
    const config = { ...backends.config, web: { ...backends.config.web, jobTtlMs } };
    const web = await createWebTier({ ...backends, config }, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    tiers.push(web);
    return web;
  };

  before(async () => {
    backends = await tempBackends({ web: { replyTimeoutMs: 400 } });
  });
  after(async () => {
    for (const web of tiers) await web.close();
    await backends.dispose();
  });


  const getJob = (web: WebTier, id: string) => web.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });

  test('another web process answers for a job, and completes it from the output bucket when the answer came to nobody', async () => {
    const [a, b] = [await tier(), await tier()];
    const id = await submitJob(a, 'elsewhere.jpg');
    const running = await getJob(b, id);
    assert.equal(running.statusCode, 200, running.body);
    assert.match((running.json() as { status: string }).status, /queued|running/);
    // A worker answers: it stores the label in the output bucket (the reply goes to A's queue, read by nobody here).
    await backends.store.put(backends.names.outputBucket, 'elsewhere', Buffer.from('Paul'));
    const done = (await getJob(b, id)).json() as { status: string; result?: { label: string } };
    assert.equal(done.status, 'succeeded');
    assert.equal(done.result?.label, 'Paul');
    const [message] = await backends.requestQueue.receive({ maxMessages: 1 });
    await backends.requestQueue.delete(message!.receiptHandle);
  });

  test('a restarted web process answers for a job the previous one finished', async () => {
    const first = await tier();
    const id = await submitJob(first, 'restart.jpg');
    // No worker runs: the job fails with the reply timeout, and that is written through.
    await waitUntil('the job failed', async () => ((await getJob(first, id)).json() as { status: string }).status === 'failed', 5000);
    await first.close();
    tiers.splice(tiers.indexOf(first), 1);
    const second = await tier();
    const res = await getJob(second, id);
    assert.equal(res.statusCode, 200, res.body);
    const job = res.json() as { status: string; error?: { code: string } };
    assert.equal(job.status, 'failed');
    assert.equal(job.error?.code, 'TIMEOUT');
    const [message] = await backends.requestQueue.receive({ maxMessages: 1 });
    await backends.requestQueue.delete(message!.receiptHandle);
  });

  test('a job expires after its time to live, everywhere', async () => {
    const short = await tier(300);
    const other = await tier(300);
    const id = await submitJob(short, 'expiring.jpg');
    await waitUntil('the job failed', async () => ((await getJob(short, id)).json() as { status?: string }).status === 'failed', 5000);
    // Each process measures the time to live from its own clock reading (the record's write, the job's end),
    // a few milliseconds apart: both must forget the job, in either order.
    await waitUntil('the job expired in the other process', async () => (await getJob(other, id)).statusCode === 404, 5000);
    await waitUntil('the job expired in its own process', async () => (await getJob(short, id)).statusCode === 404, 1000);
    await waitUntil('its record swept', async () => (await backends.store.list(backends.names.controlBucket, `jobs/${id}`)).length === 0, 5000);
    const [message] = await backends.requestQueue.receive({ maxMessages: 1 });
    if (message) await backends.requestQueue.delete(message.receiptHandle);
  });
});
