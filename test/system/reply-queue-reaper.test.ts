import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { livenessKey, reapReplyQueues } from '../../src/system/reply-queue-reaper.js';
import { createWebTier } from '../../src/system/web-tier.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

// How it removes queues is in the queue conformance suite (test/conformance/queue-suite-reaper.ts), on both backends.
describe('the reply-queue reaper', () => {
  let backends: TempBackends;
  before(async () => {
    backends = await tempBackends({});
  });
  after(async () => {
    await backends.dispose();
  });

  test('a web tier writes its liveness before its reply queue exists and deletes both when it closes', async () => {
    const web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    const key = livenessKey(web.instanceId);
    assert.ok(await backends.store.head(backends.names.controlBucket, key), 'liveness written');
    assert.deepEqual(await reapReplyQueues({ ...backends, staleAfterMs: backends.config.web.replyQueueStaleAfterMs }), [], 'a live web tier keeps its queue');
    await web.close();
    assert.equal(await backends.store.head(backends.names.controlBucket, key), undefined);
    assert.deepEqual(await backends.queues.list(backends.names.replyQueue(web.instanceId)), []);
  });
});
