/**
 * A web tier that stops with jobs still waiting for their answers fails none of them: their records stay
 * unfinished, the requests stay queued, and once a worker's label stands in the output bucket any web process
 * (here: one started after) reads the job as succeeded with that label. Unfinished records outlive the
 * finished jobs' time to live; the sweep deletes only finished ones.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { JobRecords } from '../../src/web/job-records.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { submitJob } from './support.js';

interface JobView {
  status: string;
  error?: { code: string };
  result?: { label: string; file: string };
}

describe('jobs across a graceful stop of their web tier', () => {
  let backends: TempBackends;
  const open: WebTier[] = [];
  const tier = async () => {
    const web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    open.push(web);
    return web;
  };
  const close = async (web: WebTier) => {
    open.splice(open.indexOf(web), 1);
    await web.close();
  };

  before(async () => {
    backends = await tempBackends({ web: { replyTimeoutMs: 60_000, jobTtlMs: 60_000 } });
  });
  after(async () => {
    for (const web of open) await web.close();
    await backends.dispose();
  });

  const read = async (web: WebTier, id: string) => (await web.app.inject({ url: `/v1/jobs/${id}` })).json() as JobView;
  const recordOf = async (id: string) => JSON.parse((await backends.store.get(backends.names.controlBucket, `jobs/${id}.json`)).toString()) as JobView;

  test('jobs waiting at the stop stay pending, and read succeeded with their label once it is stored', async () => {
    const first = await tier();
    const ids = [await submitJob(first, 'stop_a.jpg'), await submitJob(first, 'stop_b.jpg')];
    await close(first);
    for (const id of ids) assert.match((await recordOf(id)).status, /^(queued|running)$/, 'the record is left unfinished, not failed');
    assert.equal((await backends.requestQueue.depth()).visible, 2, 'both requests are still queued');
    // A worker answers after the stop: its label reaches the output bucket, its reply a queue that is gone.
    await backends.store.put(backends.names.outputBucket, 'stop_a', Buffer.from('Paul'));
    const second = await tier();
    const done = await read(second, ids[0]!);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.result?.label, 'Paul');
    assert.equal(done.result?.file, 'stop_a.jpg');
    assert.equal((await recordOf(ids[0]!)).status, 'succeeded', 'the completion is written back');
    assert.match((await read(second, ids[1]!)).status, /^(queued|running)$/, 'no label yet: still pending');
    for (const message of await backends.requestQueue.receive({ maxMessages: 10 })) await backends.requestQueue.delete(message.receiptHandle);
  });

  test('the sweep keeps unfinished records past the time to live and deletes finished ones', async () => {
    const { store, names } = backends;
    let now = Date.now();
    const records = new JobRecords({ store, bucket: names.controlBucket, outputBucket: names.outputBucket, ttlMs: 1000, now: () => now });
    const base = { file: 'sweep.jpg', createdAt: now };
    const [pending, finished] = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    await records.save({ ...base, id: pending, status: 'running' });
    await records.save({ ...base, id: finished, status: 'failed', finishedAt: now, error: { code: 'WORKER_FAILED', message: 'x' } });
    now += 60_000;
    assert.ok((await records.sweep()) >= 1, 'the finished record is deleted');
    assert.equal((await records.load(pending))?.status, 'running');
    assert.equal(await records.load(finished), undefined);
  });
});
