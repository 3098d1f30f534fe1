/**
 * Retention: with a time to live, an uploaded image and its label are deleted once older, and the job that
 * reported the label is gone from the job store too; without one, nothing is deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { sweepExpired } from '../../src/system/retention.js';
import { blankJpeg } from '../helpers/images.js';
import { multipartBody } from '../helpers/multipart.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { waitUntil } from '../helpers/wait.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('retention', () => {
  let backends: TempBackends;
  before(async () => {
    backends = await tempBackends({});
  });
  after(async () => {
    await backends.dispose();
  });

  test('a sweep deletes what is older than the time to live and keeps the rest', async () => {
    const { store, names } = backends;
    await store.put(names.inputBucket, 'old.jpg', Buffer.from('x'));
    await store.put(names.inputBucket, 'new.jpg', Buffer.from('y'));
    const oldInfo = await store.head(names.inputBucket, 'old.jpg');
    // Seen from one minute after the old one was written, with a 30 s time to live: both are old.
    assert.equal(await sweepExpired(store, names.inputBucket, 30_000, oldInfo!.modifiedAt + 60_000), 2);
    assert.deepEqual(await store.list(names.inputBucket), []);
    await store.put(names.inputBucket, 'fresh.jpg', Buffer.from('z'));
    assert.equal(await sweepExpired(store, names.inputBucket, 30_000), 0);
    assert.equal((await store.list(names.inputBucket)).length, 1);
  });

  describe('in a running system with 1 s times to live', () => {
    let system: RunningSystem;
    let dataDir: string;
    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'scaleface-retention-'));
      const config = loadConfig(
        { dataDir, logLevel: 'silent', web: { port: 0, replyTimeoutMs: 300 }, retention: { inputTtlSeconds: 1, outputTtlSeconds: 1 }, autoscaler: { maxInstances: 1 } },
        {},
      );
      system = await startSystem(config);
      await system.controller.stop(); // no workers: this test is about the buckets and the job store
    });
    after(async () => {
      await system.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    test('an expired image is gone from the bucket, its label from the output bucket and its job from the job store', async () => {
      const { store, names } = system.backends;
      const { payload, headers } = multipartBody([{ name: 'inputFile', filename: 'kept-briefly.jpg', content: await blankJpeg() }]);
      const res = await system.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers });
      assert.equal(res.statusCode, 202, res.body);
      const id = (res.json() as { id: string }).id;
      await store.put(names.outputBucket, 'kept-briefly', Buffer.from('Paul')); // as a worker would
      assert.ok(await store.head(names.inputBucket, 'kept-briefly.jpg'), 'stored at first');
      await waitUntil('the image expired', async () => (await store.head(names.inputBucket, 'kept-briefly.jpg')) === undefined, 10_000);
      await waitUntil('the label expired', async () => (await store.head(names.outputBucket, 'kept-briefly')) === undefined, 10_000);
      await waitUntil('the job expired', async () => (await system.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).statusCode === 404, 10_000);
    });
  });
});
