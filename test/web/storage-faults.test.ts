/**
 * A storage fault at the web tier: with the input bucket's folder immutable (`chattr +i`, which binds root),
 * uploads are refused before anything is queued with 503 and `Retry-After` (never 500), `/readyz` answers
 * not-ready while the fault lasts and ready once it is gone, and then a normal request is answered.
 * Also the general mechanism: a retryable error's `retryAfterSeconds` becomes the `Retry-After` header.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { BackendUnavailableError, TooManyJobsError } from '../../src/domain/errors.js';
import { registerErrorHandler, RETRY_AFTER_SECONDS } from '../../src/web/error-handler.js';
import { blankJpeg } from '../helpers/images.js';
import { immutableUnsupported, setImmutable } from '../helpers/immutable.js';
import { waitUntil } from '../helpers/wait.js';
import { postParts, startWebWithWorker, type WebWithWorker } from './support.js';

describe('Retry-After comes from the error', () => {
  const answerFor = async (error: Error) => {
    const app = Fastify({ logger: false });
    registerErrorHandler(app);
    app.get('/v1/fails', { schema: { response: { 200: { type: 'string' } } } }, async () => Promise.reject(error));
    const response = await app.inject({ url: '/v1/fails' });
    await app.close();
    return [response.statusCode, response.headers['retry-after']];
  };

  test("a retryable error's own wait, on any status; the default on a 503 without one; none on the rest", async () => {
    assert.deepEqual(await answerFor(new TooManyJobsError('full', { retryAfterSeconds: 7 })), [429, '7']);
    assert.deepEqual(await answerFor(new BackendUnavailableError('busy', { retryAfterSeconds: 2.2 })), [503, '3']);
    assert.deepEqual(await answerFor(new BackendUnavailableError('busy')), [503, String(RETRY_AFTER_SECONDS)]);
    assert.deepEqual(await answerFor(new TooManyJobsError('full')), [429, undefined]);
  });
});

const skip = immutableUnsupported();

describe('the input bucket immutable under the web tier', { skip }, () => {
  let system: WebWithWorker;
  let inputDir: string;
  let image: Buffer;

  before(async () => {
    system = await startWebWithWorker({ web: { replyTimeoutMs: 20_000 } });
    inputDir = join(system.backends.dataDir, 'buckets', system.backends.names.inputBucket);
    image = await blankJpeg();
  });
  after(async () => {
    setImmutable([inputDir], false);
    await system.stop();
  });

  const ready = async () => (await system.app.inject({ url: '/readyz' })).statusCode;

  test('uploads get 503 with Retry-After, /readyz turns not-ready, and both recover when the fault ends', async () => {
    assert.equal(await ready(), 200, 'ready before the fault');
    setImmutable([inputDir], true);
    try {
      const plain = await postParts(system.app, '/', [{ name: 'inputFile', filename: 'during.jpg', content: image }]);
      assert.equal(plain.statusCode, 503, plain.body);
      assert.ok(Number(plain.headers['retry-after']) >= 1, `Retry-After: ${String(plain.headers['retry-after'])}`);
      assert.equal(plain.body, 'Error: the service is temporarily unavailable; try again later\n');
      const api = await postParts(system.app, '/v1/recognitions', [{ name: 'inputFile', filename: 'during.jpg', content: image }]);
      assert.equal(api.statusCode, 503, api.body);
      assert.ok(api.headers['retry-after'] !== undefined);
      assert.deepEqual(api.json(), { error: { code: 'BACKEND_UNAVAILABLE', message: 'the service is temporarily unavailable; try again later' } });
      await waitUntil('/readyz not ready during the fault', async () => (await ready()) === 503, 10_000);
      assert.deepEqual(await system.backends.requestQueue.depth(), { visible: 0, inFlight: 0, delayed: 0 }, 'nothing queued for a refused upload');
    } finally {
      setImmutable([inputDir], false);
    }
    await waitUntil('/readyz ready again after the fault', async () => (await ready()) === 200, 10_000);
    const normal = await postParts(system.app, '/', [{ name: 'inputFile', filename: 'after.jpg', content: image }]);
    assert.equal(`${normal.statusCode} ${normal.body}`, '200 after:NoFace');
  });
});
