import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { safeFileName } from '../../src/web/upload-checks.js';
import { blankJpeg } from '../helpers/images.js';
import { multipartBody } from '../helpers/multipart.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

describe('POST / refuses bad input with a clear 4xx and enqueues nothing', () => {
  let backends: TempBackends;
  let web: WebTier;

  before(async () => {
    backends = await tempBackends({ web: { maxUploadBytes: 4096, replyTimeoutMs: 300 } });
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: () => async () => ({}) });
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  async function assertNothingStored(): Promise<void> {
    const depth = await backends.requestQueue.depth();
    assert.deepEqual(depth, { visible: 0, inFlight: 0, delayed: 0 });
    assert.deepEqual(await backends.store.list(backends.names.inputBucket), []);
  }

  async function post(parts: Parameters<typeof multipartBody>[0]) {
    const { payload, headers } = multipartBody(parts);
    return web.app.inject({ method: 'POST', url: '/', payload, headers });
  }

  test('missing file field → 400', async () => {
    const res = await post([{ name: 'note', content: 'hello' }]);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /inputFile/);
    await assertNothingStored();
  });

  test('misnamed file field → 400 naming the expected field', async () => {
    const res = await post([{ name: 'file', filename: 'a.jpg', content: await blankJpeg() }]);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /must be named "inputFile"/);
    await assertNothingStored();
  });

  test('a body that is not multipart → 400', async () => {
    const res = await web.app.inject({ method: 'POST', url: '/', payload: { inputFile: 'x' } });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /multipart\/form-data/);
    await assertNothingStored();
  });

  test('empty file → 400', async () => {
    const res = await post([{ name: 'inputFile', filename: 'empty.jpg', content: Buffer.alloc(0) }]);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /empty/);
    await assertNothingStored();
  });

  test('text named .jpg → 415', async () => {
    const res = await post([{ name: 'inputFile', filename: 'fake.jpg', content: 'definitely not a jpeg' }]);
    assert.equal(res.statusCode, 415);
    assert.match(res.body, /not a decodable image/);
    await assertNothingStored();
  });

  test('truncated JPEG → 415', async () => {
    const jpeg = await blankJpeg(48);
    const res = await post([{ name: 'inputFile', filename: 'cut.jpg', content: jpeg.subarray(0, Math.floor(jpeg.length / 2)) }]);
    assert.equal(res.statusCode, 415);
    await assertNothingStored();
  });

  test('file over the configured limit → 413', async () => {
    const res = await post([{ name: 'inputFile', filename: 'big.jpg', content: Buffer.alloc(5000, 1) }]);
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /larger than 4096 bytes/);
    await assertNothingStored();
  });

  test('unknown route → 404 as JSON under /v1/', async () => {
    const res = await web.app.inject({ method: 'GET', url: '/v1/nope' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
  });

  test('no reply within the timeout → 504 with a message, and the image was stored and enqueued', async () => {
    const res = await post([{ name: 'inputFile', filename: 'slow.jpg', content: await blankJpeg() }]);
    assert.equal(res.statusCode, 504);
    assert.match(res.body, /no answer from the app tier/);
    const depth = await backends.requestQueue.depth();
    assert.equal(depth.visible, 1);
    assert.ok(await backends.store.head(backends.names.inputBucket, 'slow.jpg'));
    const [message] = await backends.requestQueue.receive({ maxMessages: 1 });
    await backends.requestQueue.delete(message!.receiptHandle);
    await backends.store.delete(backends.names.inputBucket, 'slow.jpg');
  });
});

describe('safeFileName', () => {
  const cases: [string | undefined, string][] = [
    ['test_000.jpg', 'test_000.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\photo.png', 'photo.png'],
    ['.hidden.jpg', 'hidden.jpg'],
    ['a\u0000b.jpg', 'a_b.jpg'],
    ['<script>.jpg', '_script_.jpg'],
    ['', 'upload'],
    [undefined, 'upload'],
    ['...', 'upload'],
  ];
  for (const [raw, expected] of cases) {
    test(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(safeFileName(raw), expected));
  }
  test('long names are cut to 200 characters', () => assert.equal(safeFileName('x'.repeat(500) + '.jpg').length, 200));
});
