import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { blankJpeg } from '../helpers/images.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { postParts, TEST_STATUS, waitFor } from './support.js';

describe('jobs and recognitions when no worker answers', () => {
  let backends: TempBackends;
  let web: WebTier;
  let image: Buffer;

  before(async () => {
    backends = await tempBackends({ web: { replyTimeoutMs: 400, maxJobs: 2, jobTtlMs: 60_000 } });
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: TEST_STATUS });
    image = await blankJpeg();
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  const submit = (file: string) => postParts(web.app, '/v1/jobs', [{ name: 'inputFile', filename: file, content: image }]);
  const jobStatus = async (id: string) => (await web.app.inject({ url: `/v1/jobs/${id}` })).json();

  test('POST /v1/recognitions answers 504 as JSON', async () => {
    const res = await postParts(web.app, '/v1/recognitions', [{ name: 'inputFile', filename: 'slow.jpg', content: image }]);
    assert.equal(res.statusCode, 504);
    assert.equal(res.json().error.code, 'TIMEOUT');
    assert.match(res.json().error.message, /no answer from the app tier/);
  });

  test('a job is running once its request is on the queue, and fails with the timeout', async () => {
    const { id } = (await submit('job1.jpg')).json();
    await waitFor('running', async () => ((await jobStatus(id)).status === 'running' ? true : undefined));
    const messages = await backends.requestQueue.receive({ maxMessages: 10 });
    const request = messages.map((m) => JSON.parse(m.body)).find((body) => body.key === 'job1.jpg');
    assert.ok(request, 'the job sent a request');
    assert.match(request.traceId, /^[0-9a-f-]{36}$/, 'the request message carries the trace id');
    for (const message of messages) await backends.requestQueue.delete(message.receiptHandle);
    const failed = await waitFor('failed', async () => {
      const job = await jobStatus(id);
      return job.status === 'failed' ? job : undefined;
    });
    assert.equal(failed.error.code, 'TIMEOUT');
    assert.equal(failed.result, undefined);
  });

  test('the table is bounded: with every kept job unfinished, a new one gets 429', async () => {
    const first = (await submit('a.jpg')).json();
    const refused = await submit('b.jpg');
    assert.equal(refused.statusCode, 202, 'the earlier failed job made room');
    const full = await submit('c.jpg');
    assert.equal(full.statusCode, 429);
    assert.equal(full.json().error.code, 'TOO_MANY_JOBS');
    assert.match(full.json().error.message, /2 jobs are still unfinished .*web\.maxJobs \(env SCALEFACE_WEB_MAX_JOBS\)/, 'the refusal names the setting that raises it');
    await waitFor('the first to fail', async () => ((await jobStatus(first.id)).status === 'failed' ? true : undefined));
    assert.equal((await submit('d.jpg')).statusCode, 202);
  });
});
