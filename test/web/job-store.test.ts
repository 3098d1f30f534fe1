import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JobStore, TooManyJobsError } from '../../src/web/job-store.js';

const LIMITS = { maxJobs: 1000, ttlMs: 600_000 };

function clock(start = 1_000) {
  const time = { now: start };
  return { time, now: () => time.now };
}

describe('JobStore: bounded, in memory, with a TTL after finishing', () => {
  test('a job goes queued → running → succeeded and keeps its result', () => {
    const jobs = new JobStore<string>(LIMITS);
    const job = jobs.create('a.jpg');
    assert.equal(job.status, 'queued');
    jobs.markRunning(job);
    assert.equal(jobs.get(job.id)?.status, 'running');
    jobs.succeed(job, 'Alice');
    assert.deepEqual({ ...jobs.get(job.id) }, { ...job, status: 'succeeded', result: 'Alice' });
    jobs.markRunning(job);
    assert.equal(job.status, 'succeeded', 'a finished job does not go back to running');
  });

  test('a finished job expires ttlMs after it finished; an unfinished one never does', () => {
    const { time, now } = clock();
    const jobs = new JobStore<string>({ ...LIMITS, ttlMs: 1000 }, now);
    const done = jobs.create('done.jpg');
    const waiting = jobs.create('waiting.jpg');
    time.now += 500;
    jobs.fail(done, { code: 'TIMEOUT', message: 'no answer' });
    time.now += 999;
    assert.equal(jobs.get(done.id)?.status, 'failed');
    time.now += 1;
    assert.equal(jobs.get(done.id), undefined);
    time.now += 1_000_000;
    assert.equal(jobs.get(waiting.id)?.status, 'queued');
    assert.equal(jobs.size, 1);
  });

  test('when full, the oldest finished job makes room; when all are unfinished, a new one is refused', () => {
    const jobs = new JobStore<string>({ ...LIMITS, maxJobs: 3 });
    const [a, b, c] = ['a', 'b', 'c'].map((f) => jobs.create(f)) as [ReturnType<typeof jobs.create>, ReturnType<typeof jobs.create>, ReturnType<typeof jobs.create>];
    assert.throws(() => jobs.create('d'), (error: unknown) => error instanceof TooManyJobsError && error.code === 'TOO_MANY_JOBS');
    jobs.succeed(c, 'C');
    jobs.succeed(b, 'B');
    const d = jobs.create('d');
    // "Oldest" is by creation: b was created before c, so b goes although c finished first.
    assert.equal(jobs.get(c.id)?.result, 'C');
    assert.equal(jobs.get(b.id), undefined);
    assert.deepEqual(jobs.list().map((j) => j.file), ['d', 'c', 'a']);
    assert.equal(jobs.get(a.id)?.status, 'queued');
    assert.equal(jobs.get(d.id)?.status, 'queued');
  });
});
