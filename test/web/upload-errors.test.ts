import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { safeFileName } from '../../src/domain/naming.js';
import { blankJpeg } from '../helpers/images.js';
import { multipartBody } from '../helpers/multipart.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

describe('POST / refuses bad input with a clear 4xx and enqueues nothing', () => {
  let backends: TempBackends;
  let web: WebTier;

  before(async () => {
    backends = await tempBackends({ web: { maxUploadBytes: 4096, replyTimeoutMs: 300 } });
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
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
    assert.match(res.body, /web\.maxUploadBytes \(env SCALEFACE_MAX_UPLOAD_BYTES\)/, 'the limit names its setting');
    await assertNothingStored();
  });

  test('a multipart body whose boundary does not match its header → 400, not 500', async () => {
    const { payload } = multipartBody([{ name: 'inputFile', filename: 'a.jpg', content: await blankJpeg() }]);
    const headers = { 'content-type': 'multipart/form-data; boundary=----not-the-one-in-the-body' };
    const res = await web.app.inject({ method: 'POST', url: '/', payload, headers });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /multipart/);
    await assertNothingStored();
  });

  test('a multipart body cut before its closing boundary → 400', async () => {
    const { payload, headers } = multipartBody([{ name: 'inputFile', filename: 'a.jpg', content: await blankJpeg() }]);
    const cut = payload.subarray(0, payload.length - 30);
    const res = await web.app.inject({ method: 'POST', url: '/', payload: cut, headers: { ...headers, 'content-length': String(cut.length) } });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /multipart/);
    await assertNothingStored();
  });

  test('two files in inputFile → 400, not an answer about the first one', async () => {
    const jpeg = await blankJpeg();
    const res = await post([
      { name: 'inputFile', filename: 'one.jpg', content: jpeg },
      { name: 'inputFile', filename: 'two.jpg', content: jpeg },
    ]);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /one file/);
    await assertNothingStored();
  });

  test('a file name longer than the file system allows is shortened, not a 500; the stored key keeps its extension', async () => {
    const name = `${'字'.repeat(150)}.jpg`; // 454 bytes in UTF-8: more than ext4's 255
    const res = await post([{ name: 'inputFile', filename: name, content: await blankJpeg() }]);
    assert.equal(res.statusCode, 504, res.body); // stored and enqueued; no worker runs in this suite
    const [stored] = await backends.store.list(backends.names.inputBucket);
    assert.ok(stored !== undefined && stored.key === safeFileName(name), `stored as ${stored?.key}`);
    assert.ok(Buffer.byteLength(stored.key) <= 200 && stored.key.endsWith('.jpg'));
    const [message] = await backends.requestQueue.receive({ maxMessages: 1 });
    await backends.requestQueue.delete(message!.receiptHandle);
    await backends.store.delete(backends.names.inputBucket, stored.key);
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

describe('an image sent as the raw body (curl --data-binary) is told how to send it', () => {
  let backends: TempBackends;
  let web: WebTier;

  before(async () => {
    backends = await tempBackends({ web: { maxUploadBytes: 100_000 } });
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  const routes = [
    { url: '/', field: 'inputFile', text: true },
    { url: '/v1/recognitions', field: 'inputFile', text: false },
    { url: '/v1/jobs', field: 'inputFile', text: false },
    { url: '/v1/subjects/Paul/examples', field: 'photos', text: false },
  ];
  // curl --data-binary's default type, what a client that sets the image's own type sends, and a bare byte stream.
  for (const contentType of ['application/x-www-form-urlencoded', 'image/jpeg', 'application/octet-stream']) {
    for (const { url, field, text } of routes) {
      test(`${contentType} on POST ${url} → 415 naming multipart/form-data, the field "${field}" and curl -F`, async () => {
        const res = await web.app.inject({ method: 'POST', url, payload: await blankJpeg(), headers: { 'content-type': contentType } });
        assert.equal(res.statusCode, 415, res.body);
        const message = text ? res.body : (res.json() as { error: { message: string } }).error.message;
        assert.match(message, /multipart\/form-data/);
        assert.match(message, new RegExp(`field "${field}"`));
        assert.match(message, new RegExp(`curl -F ${field}=@`));
        assert.match(message, new RegExp(contentType.replace('/', '\\/')), 'it says what was sent');
        assert.deepEqual(await backends.requestQueue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
        assert.deepEqual(await backends.store.list(backends.names.inputBucket), []);
      });
    }
  }

  test('an enrollment of more photos than one request takes → 413 naming the count, and nothing is enrolled', async () => {
    const jpeg = await blankJpeg();
    const { payload, headers } = multipartBody(Array.from({ length: 51 }, (_, i) => ({ name: 'photos', filename: `p${i}.jpg`, content: jpeg })));
    const res = await web.app.inject({ method: 'POST', url: '/v1/subjects/Paul/examples', payload, headers });
    assert.equal(res.statusCode, 413, res.body);
    assert.match((res.json() as { error: { message: string } }).error.message, /at most 50 files per request/);
    const listed = await web.app.inject({ method: 'GET', url: '/v1/subjects' });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual((listed.json() as { subjects: unknown[] }).subjects, []);
  });

  test('a JSON body gets the same hint, as a 400', async () => {
    const res = await web.app.inject({ method: 'POST', url: '/', payload: { inputFile: 'x' } });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /curl -F inputFile=@/);
  });
});

describe('the web tier on a full disk', () => {
  test('answers 503 with Retry-After and a message without a path, and enqueues nothing', async () => {
    const backends = await tempBackends({ web: { maxUploadBytes: 100_000 } });
    const real = backends.store;
    // The input bucket's disk is full; the control bucket (liveness, jobs) still takes writes.
    const fullDisk: ObjectStore = {
      ensureBucket: (bucket) => real.ensureBucket(bucket),
      get: (bucket, key) => real.get(bucket, key),
      head: (bucket, key) => real.head(bucket, key),
      list: (bucket, prefix) => real.list(bucket, prefix),
      delete: (bucket, key) => real.delete(bucket, key),
      put: async (bucket, key, body) =>
        bucket === backends.names.inputBucket
          ? Promise.reject(Object.assign(new Error("ENOSPC: no space left on device, open '/srv/data/x.tmp'"), { code: 'ENOSPC' }))
          : real.put(bucket, key, body),
    };
    const web = await createWebTier({ ...backends, store: fullDisk }, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    try {
      const { payload, headers } = multipartBody([{ name: 'inputFile', filename: 'a.jpg', content: await blankJpeg() }]);
      const res = await web.app.inject({ method: 'POST', url: '/', payload, headers });
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['retry-after'], '5');
      assert.equal(res.body, 'Error: the service is temporarily unavailable; try again later\n');
      assert.ok(!res.body.includes('/srv'), res.body);
      assert.deepEqual(await backends.requestQueue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    } finally {
      await web.close();
      await backends.dispose();
    }
  });
});

describe('an upload over the limit, sent without Expect: 100-continue (as Python requests does)', () => {
  let backends: TempBackends;
  let web: WebTier;
  let port: number;

  before(async () => {
    backends = await tempBackends({ web: { maxUploadBytes: 4096, replyTimeoutMs: 300 } });
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    await web.app.listen({ port: 0, host: '127.0.0.1' });
    port = (web.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  /** Writes the whole request first, then reads: a client that never looks at the answer before it is done sending. */
  function sendWholeThenRead(head: string, body: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
      socket.write(head);
      let offset = 0;
      const writeMore = (): void => {
        while (offset < body.length) {
          const chunk = body.subarray(offset, offset + 16 * 1024);
          offset += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', writeMore);
        }
        socket.end();
      };
      writeMore();
    });
  }

  // Up to the discard bound (64 MB, src/web/error-handler.ts) the whole body is read and the answer arrives;
  // past it the connection closes after the answer. (Node 20's server also drains what a reply left unread,
  // so on this stack these pass without the bound too: they guard the behaviour, the bound limits the cost.)
  for (const size of [20_000, 3_000_000, 40_000_000]) {
    test(`gets the 413 instead of a broken pipe (${size} bytes)`, async () => {
      const { payload, headers } = multipartBody([{ name: 'inputFile', filename: 'big.jpg', content: Buffer.alloc(size, 1) }]);
      const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`;
      const answer = await sendWholeThenRead(head, payload);
      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /larger than/);
      assert.deepEqual(await backends.store.list(backends.names.inputBucket), []);
    });
  }
});
