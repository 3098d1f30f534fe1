/**
 * The reply a web process reads off its reply queue: every field RecognitionReply promises is checked, so that a
 * malformed reply is a clear InvalidInputError naming the field, never an object that breaks later.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRecognitionReply, parseRecognitionRequest, type RecognitionReply } from '../../src/domain/messages.js';
import { InvalidInputError } from '../../src/domain/errors.js';

const box = { x: 1, y: 2, width: 30, height: 40 };

const OK_REPLY: RecognitionReply = {
  v: 1,
  requestId: 'r1',
  key: 'a.jpg',
  status: 'ok',
  label: 'Paul',
  faces: [{ box, score: 0.9, label: 'Paul', distance: 0.31, nearest: 'Paul' }, { box, score: 0.7, label: 'Unknown', distance: null }],
  labels: [{ label: 'Paul', score: 0.9 }],
  boxes: [{ box, score: 0.9, label: 'Paul' }],
  model: { name: 'face-api/tiny', kind: 'face', version: '0.22.2+sha256:abc' },
  worker: 'app-tier-instance-1',
  inferenceMs: 41.5,
  traceId: 'trace-1',
};

function refusal(body: unknown): string {
  try {
    parseRecognitionReply(typeof body === 'string' ? body : JSON.stringify(body));
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `got ${String(error)}`);
    return error.message;
  }
  return assert.fail(`accepted ${JSON.stringify(body)}`);
}

describe('parseRecognitionReply', () => {
  test('the replies the worker and the dead-letter notifier send are read as they are', () => {
    assert.deepEqual(parseRecognitionReply(JSON.stringify(OK_REPLY)), OK_REPLY);
    const conflict = { v: 1, requestId: 'r2', key: 'b.jpg', status: 'conflict', error: { code: 'CONFLICT', message: 'input object changed' }, worker: 'w' };
    assert.deepEqual(parseRecognitionReply(JSON.stringify(conflict)), conflict);
    const deadLettered = { v: 1, requestId: 'r3', key: 'c.jpg', status: 'dead-lettered', error: { code: 'DEAD_LETTERED', message: 'was received too many times' } };
    assert.deepEqual(parseRecognitionReply(JSON.stringify(deadLettered)), deadLettered);
  });

  test('a reply without the fields every reply has is refused, naming the field', () => {
    assert.match(refusal('not json'), /reply message is not JSON/);
    assert.match(refusal([1, 2]), /reply message is not an object/);
    assert.match(refusal({ ...OK_REPLY, v: 2 }), /reply message: v must be 1/);
    assert.match(refusal({ ...OK_REPLY, requestId: 7 }), /reply message lacks requestId/);
    assert.match(refusal({ ...OK_REPLY, key: undefined }), /reply message lacks key/);
    assert.match(refusal({ ...OK_REPLY, status: 'maybe' }), /reply message: status must be one of ok, failed, conflict, dead-lettered/);
  });

  test('a field of the wrong shape is refused, naming the field', () => {
    const cases: [Partial<Record<keyof RecognitionReply, unknown>>, string][] = [
      [{ label: 3 }, 'label'],
      [{ faces: {} }, 'faces'],
      [{ faces: [{ box, score: 0.9, label: 'Paul' }] }, 'faces'],
      [{ faces: [{ box: { x: 1 }, score: 0.9, label: 'Paul', distance: null }] }, 'faces'],
      [{ faces: [{ box, score: 0.9, label: 'Paul', distance: null, nearest: 5 }] }, 'faces'],
      [{ labels: [{ label: 'Paul' }] }, 'labels'],
      [{ boxes: [{ score: 0.9, label: 'Paul' }] }, 'boxes'],
      [{ model: { name: 'm', kind: 'face' } }, 'model'],
      [{ error: { code: 'X' } }, 'error'],
      [{ worker: null }, 'worker'],
      [{ inferenceMs: '41' }, 'inferenceMs'],
      [{ traceId: {} }, 'traceId'],
    ];
    for (const [change, field] of cases) {
      assert.match(refusal({ ...OK_REPLY, ...change }), new RegExp(`reply message: ${field} is not `), JSON.stringify(change));
    }
  });

  test('fields it does not know are not passed on', () => {
    const parsed = parseRecognitionReply(JSON.stringify({ ...OK_REPLY, extra: 'x' }));
    assert.equal('extra' in parsed, false);
  });
});

describe('parseRecognitionRequest: the collection', () => {
  const base = { v: 1, requestId: 'r1', key: 'a.jpg', sha256: 'ab', replyTo: 'q', submittedAt: 1 };

  test('a message without a collection (an older web tier\'s) and one naming the default both mean the default', () => {
    assert.equal(parseRecognitionRequest(JSON.stringify(base)).collection, undefined);
    assert.equal(parseRecognitionRequest(JSON.stringify({ ...base, collection: 'default' })).collection, undefined);
  });

  test('a named collection travels; a malformed one is refused', () => {
    assert.equal(parseRecognitionRequest(JSON.stringify({ ...base, collection: 'shop-a' })).collection, 'shop-a');
    assert.throws(() => parseRecognitionRequest(JSON.stringify({ ...base, collection: '../etc' })), InvalidInputError);
    assert.throws(() => parseRecognitionRequest(JSON.stringify({ ...base, collection: 7 })), /collection is not a string/);
  });
});

describe('request tasks (verify, detect)', () => {
  const base = { requestId: 'r', key: 'k', sha256: 's', replyTo: 'q' };
  test('a message without a task, or with recognize, is a recognition (as every older web tier sends)', () => {
    assert.equal(parseRecognitionRequest(JSON.stringify(base)).task, undefined);
    assert.equal(parseRecognitionRequest(JSON.stringify({ ...base, task: 'recognize' })).task, undefined);
  });
  test('detect and verify keep their references; a verification names a target photo or a subject', () => {
    assert.equal(parseRecognitionRequest(JSON.stringify({ ...base, task: 'detect' })).task, 'detect');
    const photo = parseRecognitionRequest(JSON.stringify({ ...base, task: 'verify', targetKey: 'tasks/x/target', targetSha256: 'abc' }));
    assert.deepEqual([photo.task, photo.targetKey, photo.targetSha256, photo.subject], ['verify', 'tasks/x/target', 'abc', undefined]);
    const subject = parseRecognitionRequest(JSON.stringify({ ...base, task: 'verify', subject: 'Ann' }));
    assert.deepEqual([subject.task, subject.subject], ['verify', 'Ann']);
  });
  test('an unknown task, or a verification with neither target, is refused naming what is wrong', () => {
    assert.throws(() => parseRecognitionRequest(JSON.stringify({ ...base, task: 'erase' })), /task must be one of recognize, verify, detect/);
    assert.throws(() => parseRecognitionRequest(JSON.stringify({ ...base, task: 'verify' })), /lacks targetKey/);
  });
});
