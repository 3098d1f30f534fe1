import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalFolderStore } from '../../src/adapters/storage/local-folder.js';
import { resourceNames } from '../../src/config/names.js';
import { livenessKey, reapReplyQueues } from '../../src/system/reply-queue-reaper.js';
import type { QueueSuiteContext } from './queue-suite.js';
import { uniqueQueueName } from './queue-suite-support.js';

/**
 * The reply-queue reaper works on the queue port alone (list, remove) plus liveness objects, so it runs on
 * every queue backend; liveness lives in a folder store here, the same on both.
 */
const STALE_AFTER_MS = 60_000;

export function describeReplyQueueReaper(context: QueueSuiteContext): void {
  describe('the reply-queue reaper on this backend', () => {
    test('removes the reply queues of web processes that are gone, keeps the live ones and its own', async () => {
      const queues = context.system();
      const names = resourceNames({ prefix: uniqueQueueName('reap') });
      const root = await mkdtemp(join(tmpdir(), 'scaleface-reaper-'));
      const store = new LocalFolderStore(root);
      try {
        await store.ensureBucket(names.controlBucket);
        for (const id of ['alive', 'dead', 'self']) await queues.create(names.replyQueue(id));
        await (await queues.open(names.replyQueue('dead'))).send('an answer nobody will read');
        await store.put(names.controlBucket, livenessKey('alive'), Buffer.from('{}'));
        assert.deepEqual(await reapReplyQueues({ queues, store, names, ownInstanceId: 'self', staleAfterMs: STALE_AFTER_MS }), [names.replyQueue('dead')]);
        assert.deepEqual(await queues.list(names.replyQueue('')), [names.replyQueue('alive'), names.replyQueue('self')]);
        // Once 'alive' stops writing, it is gone after the bound too; this process's own queue never is.
        const later = Date.now() + STALE_AFTER_MS + 1000;
        assert.deepEqual(await reapReplyQueues({ queues, store, names, ownInstanceId: 'self', now: later, staleAfterMs: STALE_AFTER_MS }), [names.replyQueue('alive')]);
        assert.deepEqual(await queues.list(names.replyQueue('')), [names.replyQueue('self')]);
      } finally {
        for (const id of ['alive', 'dead', 'self']) await queues.remove(names.replyQueue(id));
        await rm(root, { recursive: true, force: true });
      }
    });
  });
}
