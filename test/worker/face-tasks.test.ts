/**
 * The worker's dispatch by the request's task: a message without one (as every older web tier sends) is a
 * recognition with its label written; verify and detect under a model without face analysis answer WRONG_MODEL
 * and write nothing. Real embedded queue and folder storage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseRecognitionReply } from '../../src/domain/messages.js';
import type { QueueMessage } from '../../src/ports/queue.js';
import { createRecognitionHandler, sha256 } from '../../src/worker/recognition-handler.js';
import { fixedLabelModel } from '../helpers/fixed-model.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

describe('the handler dispatches by task', () => {
  let backends: TempBackends;
  let counter = 0;
  before(async () => {
    backends = await tempBackends({});
  });
  after(async () => backends.dispose());

  async function run(fields: Record<string, unknown>) {
    counter += 1;
    const image = Buffer.from(`image ${counter}`);
    const key = `task-${counter}.jpg`;
    await backends.store.put(backends.names.inputBucket, key, image);
    const replyTo = backends.names.replyQueue(`tasks${counter}`);
    await backends.queues.create(replyTo);
    const body = JSON.stringify({ v: 1, requestId: `r${counter}`, key, sha256: sha256(image), replyTo, ...fields });
    const handler = createRecognitionHandler({ ...backends, model: fixedLabelModel('Paul'), workerName: 'w', maxReceiveCount: 3 });
    const message: QueueMessage = { id: `m${counter}`, body, receiptHandle: 'h', receiveCount: 1, sentAt: Date.now() };
    assert.equal(await handler(message, new AbortController().signal), 'done');
    const [replied] = await (await backends.queues.open(replyTo)).receive({ maxMessages: 1, waitTimeSeconds: 0 });
    assert.ok(replied, 'a reply was sent');
    const labelled = (await backends.store.head(backends.names.outputBucket, `task-${counter}`)) !== undefined;
    return { reply: parseRecognitionReply(replied.body), labelled };
  }

  test('no task: a recognition, its label in the output bucket', async () => {
    const { reply, labelled } = await run({});
    assert.deepEqual([reply.status, reply.label, labelled], ['ok', 'Paul', true]);
  });

  test('detect and verify under a model without face analysis: failed WRONG_MODEL naming --model face, no label', async () => {
    for (const fields of [{ task: 'detect' }, { task: 'verify', subject: 'Ann' }]) {
      const { reply, labelled } = await run(fields);
      assert.equal(reply.status, 'failed');
      assert.equal(reply.error?.code, 'WRONG_MODEL');
      assert.match(reply.error?.message ?? '', /--model face/);
      assert.equal(labelled, false);
    }
  });
});
