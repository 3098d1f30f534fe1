/**
 * The limits a hostile client meets at the web tier, over real sockets (issue 24): the body budget refuses new
 * uploads at once (503 with Retry-After) instead of holding them, slow uploads and slow headers are ended by their
 * timeouts, an async job holds no image bytes once accepted, and a small file cannot declare many pixels.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { stalledUpload, tricklingUpload, postUpload } from '../../bench/red-team-clients.js';
import { MULTIPART_FRAMING_BYTES } from '../../src/domain/upload-limits.js';
import { STAGED_UPLOADS_PREFIX } from '../../src/web/recognition-service.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { blankJpeg } from '../helpers/images.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { waitUntil } from '../helpers/wait.js';

const LIMIT = 256 * 1024;
const BODY_TIMEOUT_MS = 1500;
const HEADERS_TIMEOUT_MS = 1000;

describe('upload limits of the web tier over real sockets', () => {
  let backends: TempBackends;
  let web: WebTier;
  let url: string;
  let big: Buffer;

  before(async () => {
    backends = await tempBackends({
      web: {
        maxUploadBytes: LIMIT,
        // Room for two uploads of the largest size at once.
        bodyBudgetBytes: 2 * (LIMIT + MULTIPART_FRAMING_BYTES),
        bodyTimeoutMs: BODY_TIMEOUT_MS,
        headersTimeoutMs: HEADERS_TIMEOUT_MS,
        replyTimeoutMs: 60_000,
      },
    });
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    url = await web.app.listen({ host: '127.0.0.1', port: 0 });
    big = Buffer.alloc(LIMIT - 1024, 0xab);
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  test('uploads past the body budget get 503 with Retry-After at once; the held ones end at the body timeout, then uploads are taken again', async () => {
    const started = Date.now();
    const held = [stalledUpload(url, '/', 'a.jpg', big, 1000), stalledUpload(url, '/', 'b.jpg', big, 1000)];
    await waitUntil('both uploads held', () => web.app.admission.snapshot().bodiesHeld === 2, 10_000);
    const refused = await postUpload(url, '/v1/recognitions', 'c.jpg', big, 10_000);
    assert.equal(refused.status, 503, refused.body);
    assert.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After: ${refused.headers['retry-after']}`);
    const overloaded = (JSON.parse(refused.body) as { error: { code: string; message: string } }).error;
    assert.equal(overloaded.code, 'OVERLOADED');
    assert.match(overloaded.message, /SCALEFACE_WEB_BODY_BUDGET_BYTES.*SCALEFACE_WEB_MAX_QUEUE_WAIT_MS/, 'the limits the operator can raise');
    assert.ok(refused.ms < BODY_TIMEOUT_MS, `refused after ${Math.round(refused.ms)} ms, before its body was read`);
    const ends = await Promise.all(held.map((h) => h.answer));
    for (const end of ends) assert.ok(end.status === 408 || end.status === 0, `a stalled upload ended with ${end.status}`);
    const heldFor = Date.now() - started;
    assert.ok(heldFor >= BODY_TIMEOUT_MS - 100 && heldFor < BODY_TIMEOUT_MS + 5000, `stalled uploads ended after ${heldFor} ms`);
    await waitUntil('the budget released', () => web.app.admission.snapshot().bodyBytesHeld === 0, 5000);
    const status = (await (await fetch(new URL('/v1/status', url))).json()) as { admission: { shed: { memory: number }; bodyBudgetBytes: number } };
    assert.equal(status.admission.bodyBudgetBytes, 2 * (LIMIT + MULTIPART_FRAMING_BYTES));
    assert.ok(status.admission.shed.memory >= 1);
    const metrics = await (await fetch(new URL('/metrics', url))).text();
    assert.match(metrics, /scaleface_shed_requests_total\{reason="memory"\} [1-9]/);
    assert.match(metrics, /scaleface_body_bytes_held 0/);
  });

  test('an upload trickling a byte a second is ended at the body timeout', async () => {
    const started = Date.now();
    const slow = Array.from({ length: 20 }, () => tricklingUpload(url, '/', Buffer.alloc(2000, 1), 1000));
    const ends = await Promise.all(slow.map((s) => s.answer));
    const took = Date.now() - started;
    for (const end of ends) assert.ok(end.status === 408 || end.status === 0, `ended with ${end.status}`);
    assert.ok(took < BODY_TIMEOUT_MS + 5000, `all 20 ended within ${took} ms`);
  });

  test('a connection that never finishes its headers is closed at the headers timeout', async () => {
    const started = Date.now();
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port) });
    socket.write('POST / HTTP/1.1\r\nHost: x\r\n');
    const keepTalking = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
    await new Promise((resolve) => socket.once('close', resolve).once('error', resolve));
    clearInterval(keepTalking);
    const took = Date.now() - started;
    assert.ok(took < HEADERS_TIMEOUT_MS + 4000, `closed after ${took} ms`);
  });

  test('an accepted async job holds no image bytes: the budget is free at 202 and the image waits in the buckets', async () => {
    const image = await blankJpeg(200);
    const answer = await postUpload(url, '/v1/jobs', 'job_a.jpg', image, 10_000);
    assert.equal(answer.status, 202, answer.body);
    await waitUntil('the budget released', () => web.app.admission.snapshot().bodyBytesHeld === 0, 5000);
    const { store, names } = backends;
    assert.deepEqual(await store.get(names.inputBucket, 'job_a.jpg'), image);
    const staged = await store.list(names.controlBucket, STAGED_UPLOADS_PREFIX);
    assert.equal(staged.length, 1);
    assert.deepEqual(await store.get(names.controlBucket, staged[0]!.key), image);
    assert.equal((await backends.requestQueue.depth()).visible, 1);
  });

  test('a 6300×6300 PNG of a few KB is refused (415) naming the rule, on every upload route, and nothing is enqueued', async () => {
    const flat = await sharp({ create: { width: 6300, height: 6300, channels: 3, background: '#808080' } }).png({ compressionLevel: 9 }).toBuffer();
    assert.ok(flat.length < LIMIT, `${flat.length} bytes`);
    const before = await backends.requestQueue.depth();
    for (const path of ['/', '/v1/recognitions', '/v1/jobs']) {
      const answer = await postUpload(url, path, 'bomb.png', flat, 20_000);
      assert.equal(answer.status, 415, `${path}: ${answer.status} ${answer.body}`);
      assert.match(answer.body, /6300×6300 pixels \(39\.7 MP\) in a file of \d+ bytes.*at most \d+\.\d MP \(the larger of 4\.0 MP and 64 pixels per byte\)/);
      assert.match(answer.body, /web\.minDecodePixels \(env SCALEFACE_WEB_MIN_DECODE_PIXELS\).*web\.decodePixelsPerByte \(env SCALEFACE_WEB_DECODE_PIXELS_PER_BYTE\)/);
    }
    assert.deepEqual(await backends.requestQueue.depth(), before);
  });
});
