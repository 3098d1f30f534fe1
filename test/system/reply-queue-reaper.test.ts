import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { livenessKey, reapReplyQueues, STALE_AFTER_MS } from '../../src/system/reply-queue-reaper.js';
import { createWebTier } from '../../src/system/web-tier.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

describe('the reply-queue reaper', () => {
  let backends: TempBackends;
  before(async () => {
    backends = await tempBackends({});
  });
  after(async () => {
    await backends.dispose();
  });

  test('removes the reply queues of web processes that are gone, keeps the live ones and its own', async () => {
    const { queues, store, names } = backends;
    for (const id of ['alive', 'dead', 'self']) await queues.open(names.replyQueue(id));
    await (await queues.open(names.replyQueue('dead'))).send('an answer nobody will read');
    await store.put(names.controlBucket, livenessKey('alive'), Buffer.from('{}'));
    const removed = await reapReplyQueues({ ...backends, ownInstanceId: 'self' });
    assert.deepEqual(removed, [names.replyQueue('dead')]);
    assert.deepEqual(await queues.list(names.replyQueue('')), [names.replyQueue('alive'), names.replyQueue('self')]);
    // Once 'alive' stops writing, it is gone after the bound too; this process's own queue never is.
    const later = Date.now() + STALE_AFTER_MS + 1000;
    assert.deepEqual(await reapReplyQueues({ ...backends, ownInstanceId: 'self', now: later }), [names.replyQueue('alive')]);
    assert.deepEqual(await queues.list(names.replyQueue('')), [names.replyQueue('self')]);
    await queues.remove(names.replyQueue('self'));
  });

  test('a web tier writes its liveness before its reply queue exists and deletes both when it closes', async () => {
    const web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    const key = livenessKey(web.instanceId);
    assert.ok(await backends.store.head(backends.names.controlBucket, key), 'liveness written');
    assert.deepEqual(await reapReplyQueues({ ...backends }), [], 'a live web tier keeps its queue');
    await web.close();
    assert.equal(await backends.store.head(backends.names.controlBucket, key), undefined);
    assert.equal(await backends.queues.openExisting(backends.names.replyQueue(web.instanceId)), undefined);
  });
});
