/**
 * A full disk, a busy database or a storage timeout is the machine's fault, not the request's: the request
 * must be received again later (retryable), and nothing the client reads may carry a file path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guardSqlite } from '../../src/adapters/queue/sqlite-schema.js';
import { asScalefaceError } from '../../src/domain/errors.js';
import type { RecognitionReply } from '../../src/domain/messages.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import type { QueueMessage } from '../../src/ports/queue.js';
import { createRecognitionHandler, sha256 } from '../../src/worker/recognition-handler.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { fixedLabelModel } from '../helpers/fixed-model.js';

const PATH = '/srv/scaleface/data/buckets/scaleface-out-bucket/photo.tmp';

function systemError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, open '${PATH}'`), { code, errno: -28, syscall: 'open', path: PATH });
}

describe('resource faults', () => {
  test('system errors of the machine become retryable, and their message loses the path', () => {
    for (const code of ['ENOSPC', 'EMFILE', 'EIO', 'EBUSY', 'ETIMEDOUT', 'SQLITE_BUSY', 'SQLITE_FULL']) {
      const error = asScalefaceError(systemError(code, 'something went wrong'));
      assert.equal(error.retryable, true, code);
      assert.equal(error.code, 'BACKEND_UNAVAILABLE', code);
      assert.ok(!error.message.includes('/srv'), `${code}: ${error.message}`);
      assert.match(error.message, new RegExp(code));
    }
    const programming = asScalefaceError(new TypeError('x is not a function'));
    assert.equal(programming.retryable, false);
  });

  test('the queue database reports its own full disk or I/O error as retryable, a bad statement as INTERNAL', () => {
    const failing = (code: string) => () => {
      throw Object.assign(new Error(`${code}: at '/srv/scaleface/data/queue.db'`), { code });
    };
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_BUSY']) {
      assert.throws(() => guardSqlite('send', failing(code)), (error: unknown) => {
        const scaleface = asScalefaceError(error);
        assert.equal(scaleface.code, 'BACKEND_UNAVAILABLE', code);
        assert.equal(scaleface.retryable, true, code);
        assert.ok(!scaleface.message.includes('/srv'), scaleface.message);
        return true;
      });
    }
    assert.throws(() => guardSqlite('send', failing('SQLITE_ERROR')), (error: unknown) => asScalefaceError(error).code === 'INTERNAL');
  });

  test('node:sqlite errors (code ERR_SQLITE_ERROR, SQLite\'s number in errcode) are told apart the same way', () => {
    const failing = (errcode: number) => () => {
      throw Object.assign(new Error("database or disk is full: '/srv/scaleface/data/queue.db'"), { code: 'ERR_SQLITE_ERROR', errcode });
    };
    // 13 SQLITE_FULL, 778 SQLITE_IOERR_WRITE (10 | 3 << 8), 5 SQLITE_BUSY, 517 SQLITE_BUSY_SNAPSHOT
    for (const errcode of [13, 778, 5, 517]) {
      assert.throws(() => guardSqlite('send', failing(errcode)), (error: unknown) => {
        const scaleface = asScalefaceError(error);
        assert.equal(scaleface.code, 'BACKEND_UNAVAILABLE', String(errcode));
        assert.equal(scaleface.retryable, true, String(errcode));
        assert.ok(!scaleface.message.includes('/srv'), scaleface.message);
        return true;
      });
    }
    assert.throws(() => guardSqlite('send', failing(1)), (error: unknown) => asScalefaceError(error).code === 'INTERNAL');
  });

  describe('a worker whose output write hits a full disk', () => {
    let backends: TempBackends;
    const replies: RecognitionReply[] = [];
    before(async () => {
      backends = await tempBackends({});
    });
    after(async () => {
      await backends.dispose();
    });

    test('leaves the request to be received again, and the reply it finally sends names no path', async () => {
      const image = Buffer.from('image bytes');
      await backends.store.put(backends.names.inputBucket, 'photo.jpg', image);
      const fullDisk: ObjectStore = {
        ...backends.store,
        get: (bucket, key) => backends.store.get(bucket, key),
        put: async () => Promise.reject(systemError('ENOSPC', 'no space left on device')),
      };
      const replyQueue = await backends.queues.create('scaleface-resp-queue-test');
      const handler = createRecognitionHandler({
        ...backends,
        store: fullDisk,
        model: fixedLabelModel('Paul'),
        workerName: 'w',
        maxReceiveCount: 3,
        // A fault that does not pass: the hold ends at once instead of after its default two minutes.
        faultHoldMs: 0,
      });
      const request = { v: 1, requestId: 'r1', key: 'photo.jpg', sha256: sha256(image), replyTo: replyQueue.name };
      const message = (receiveCount: number): QueueMessage => ({ id: 'm', body: JSON.stringify(request), receiptHandle: 'h', receiveCount, sentAt: Date.now() });
      const first = await handler(message(1), new AbortController().signal);
      assert.notEqual(first, 'done', 'not deleted: it will be received again');
      assert.deepEqual(await replyQueue.receive({ maxMessages: 10 }), [], 'no reply before the last attempt');
      await handler(message(3), new AbortController().signal);
      for (const received of await replyQueue.receive({ maxMessages: 10 })) replies.push(JSON.parse(received.body) as RecognitionReply);
      assert.equal(replies.length, 1);
      assert.ok(!JSON.stringify(replies[0]).includes('/srv'), JSON.stringify(replies[0]));
    });
  });
});
