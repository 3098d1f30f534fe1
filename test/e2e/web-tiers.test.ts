import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { DeadLetterNotifier } from '../../src/system/dead-letter-notifier.js';
import { blankJpeg, demoPhoto } from '../helpers/images.js';
import { multipartBody } from '../helpers/multipart.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { startInProcessWorker, type InProcessWorker } from '../helpers/worker.js';

async function upload(web: WebTier, fileName: string, bytes: Buffer) {
  const { payload, headers } = multipartBody([{ name: 'inputFile', filename: fileName, content: bytes }]);
  return web.app.inject({ method: 'POST', url: '/', payload, headers });
}

describe('two web-tier instances on one queue system', () => {
  let backends: TempBackends;
  let first: WebTier;
  let second: WebTier;
  let worker: InProcessWorker;
  let face: Buffer;
  let blank: Buffer;

  before(async () => {
    backends = await tempBackends();
    const options = { requestQueue: backends.requestQueue, status: IDLE_STATUS };
    first = await createWebTier(backends, { ...options, instanceId: 'first' });
    second = await createWebTier(backends, { ...options, instanceId: 'second' });
    worker = await startInProcessWorker(backends, backends.requestQueue);
    face = demoPhoto('sample1.jpg');
    blank = await blankJpeg();
  });
  after(async () => {
    await worker.stop();
    await first.close();
    await second.close();
    await backends.dispose();
  });

  test('each instance gets exactly its own replies', async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => {
      const web = i % 2 === 0 ? first : second;
      return upload(web, `img_${i}.jpg`, i % 3 === 0 ? blank : face).then((res) => ({ i, res }));
    });
    for (const { i, res } of await Promise.all(jobs)) {
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.body, `img_${i}:${i % 3 === 0 ? 'NoFace' : 'Unknown'}`);
    }
    assert.equal(first.correlator.unmatchedReplies, 0);
    assert.equal(second.correlator.unmatchedReplies, 0);
    const outputs = await backends.store.list(backends.names.outputBucket);
    assert.equal(outputs.filter((o) => o.key.startsWith('img_')).length, 12);
    assert.equal((await backends.store.get(backends.names.outputBucket, 'img_0')).toString(), 'NoFace');
  });

  test('same file name, different bytes, concurrently: each upload gets the answer for its own bytes', async () => {
    const results = await Promise.all([
      upload(first, 'same.jpg', blank),
      upload(second, 'same.jpg', face),
      upload(first, 'same.jpg', face),
      upload(second, 'same.jpg', blank),
    ]);
    assert.deepEqual(
      results.map((r) => `${r.statusCode} ${r.body}`),
      ['200 same:NoFace', '200 same:Unknown', '200 same:Unknown', '200 same:NoFace'],
    );
  });

  test('the input bucket holds the upload under its file name and the output bucket its label', async () => {
    const res = await upload(first, 'kept.jpg', face);
    assert.equal(res.body, 'kept:Unknown');
    assert.deepEqual(await backends.store.get(backends.names.inputBucket, 'kept.jpg'), face);
    assert.equal((await backends.store.get(backends.names.outputBucket, 'kept')).toString(), 'Unknown');
    assert.deepEqual(await backends.requestQueue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe('a request that ends in the dead-letter queue', () => {
  test('answers 502 with a message instead of hanging', async () => {
    const backends = await tempBackends({ queue: { maxReceiveCount: 1, visibilityTimeoutSeconds: 1 }, web: { replyTimeoutMs: 20_000 } });
    const deadLetters = await backends.queues.open(backends.names.deadLetterQueue);
    const notifier = new DeadLetterNotifier(backends.queues, deadLetters);
    notifier.start();
    const web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    try {
      const pending = upload(web, 'poison.jpg', await blankJpeg());
      // A worker takes the request and dies without deleting it (as after SIGKILL).
      let taken: unknown[] = [];
      while (taken.length === 0) taken = await backends.requestQueue.receive({ waitTimeSeconds: 1, visibilityTimeoutSeconds: 1 });
      // The next worker's receive finds it past maxReceiveCount: the queue moves it to the dead-letter queue.
      assert.deepEqual(await backends.requestQueue.receive({ waitTimeSeconds: 2 }), []);
      const res = await pending;
      assert.equal(res.statusCode, 502);
      assert.match(res.body, /dead-letter queue/);
      assert.ok(!res.body.includes('received too many times'), `the dead-letter reason stays in the log: ${res.body}`);
      assert.equal((await deadLetters.depth()).inFlight + (await deadLetters.depth()).visible, 1);
    } finally {
      await web.close();
      await notifier.stop();
      await backends.dispose();
    }
  });
});
