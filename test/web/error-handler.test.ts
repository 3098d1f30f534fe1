import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import {
  BackendUnavailableError,
  DeadLetteredError,
  InvalidInputError,
  ModelUnavailableError,
  TimeoutError,
  WorkerFailedError,
} from '../../src/domain/errors.js';
import { registerErrorHandler } from '../../src/web/error-handler.js';

/** Internal details a 5xx answer must never carry. */
const SECRET = "/srv/scaleface/data/queue.db: SQLITE_CORRUPT at Object.<anonymous> (/srv/scaleface/dist/src/x.js:12:3)";

async function appThrowing(error: unknown) {
  const app = Fastify({ logger: false });
  registerErrorHandler(app);
  const response = { 200: { type: 'string' } };
  app.get('/v1/fails', { schema: { response } }, async () => Promise.reject(error));
  app.get('/fails', { schema: { response } }, async () => Promise.reject(error));
  await app.ready();
  return app;
}

describe('5xx answers carry a code and a generic message, never internal details', () => {
  const cases: [string, unknown, number, string][] = [
    ['a dead-lettered request', new DeadLetteredError(`the request failed ${SECRET} and was moved to the dead-letter queue`), 502, 'DEAD_LETTERED'],
    ["a worker's failure", new WorkerFailedError(`the app tier failed: ${SECRET}`), 502, 'WORKER_FAILED'],
    ['an unavailable backend', new BackendUnavailableError(`cannot open ${SECRET}`), 503, 'BACKEND_UNAVAILABLE'],
    ['a model that cannot be loaded', new ModelUnavailableError(`no weights at ${SECRET}`), 503, 'MODEL_UNAVAILABLE'],
    ['a timeout', new TimeoutError(`no answer from the app tier within 60 s (${SECRET})`), 504, 'TIMEOUT'],
    ['a plain error', new Error(SECRET), 500, 'INTERNAL'],
    ['a framework error with a 5xx status', Object.assign(new Error(SECRET), { statusCode: 500, code: 'FST_SOMETHING' }), 500, 'INTERNAL'],
  ];
  for (const [what, error, status, code] of cases) {
    test(`${what} → ${status} ${code}`, async () => {
      const app = await appThrowing(error);
      try {
        const json = await app.inject({ url: '/v1/fails' });
        assert.equal(json.statusCode, status);
        assert.equal(json.json().error.code, code);
        assert.deepEqual(Object.keys(json.json().error), ['code', 'message']);
        assert.ok(!json.body.includes('/srv') && !json.body.includes('SQLITE'), json.body);
        const text = await app.inject({ url: '/fails' });
        assert.equal(text.statusCode, status);
        assert.match(text.body, /^Error: /);
        assert.ok(!text.body.includes('/srv') && !text.body.includes('SQLITE'), text.body);
      } finally {
        await app.close();
      }
    });
  }

  test('4xx messages stay as the error says them', async () => {
    const app = await appThrowing(new InvalidInputError('photo.jpg: not an image'));
    try {
      const res = await app.inject({ url: '/v1/fails' });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { error: { code: 'INVALID_INPUT', message: 'photo.jpg: not an image' } });
    } finally {
      await app.close();
    }
  });
});
