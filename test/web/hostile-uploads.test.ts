/**
 * A corpus of hostile uploads against the real web tier (the Fastify app `up` serves, through `inject`):
 * each gets its 4xx with a message the client can read, nothing is stored or enqueued, and the service
 * still serves after a burst of 200 of them at once.
 */
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { blankJpeg } from '../helpers/images.js';
import { multipartBody, type Part } from '../helpers/multipart.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

interface HostileInput {
  readonly name: string;
  readonly payload: Buffer | string;
  readonly headers: Record<string, string>;
  readonly status: number;
  readonly message: RegExp;
}

const LIMIT = 64 * 1024;

function upload(name: string, parts: Part[], status: number, message: RegExp): HostileInput {
  const { payload, headers } = multipartBody(parts);
  return { name, payload, headers, status, message };
}

function file(filename: string, content: Buffer | string): Part[] {
  return [{ name: 'inputFile', filename, content }];
}

/** A PNG whose header claims `width` × `height` (a decompression bomb's shape), with a tiny IDAT and IEND. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, Buffer.from(type), data, Buffer.alloc(4)]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.alloc(10))), chunk('IEND', Buffer.alloc(0))]);
}

async function corpus(): Promise<HostileInput[]> {
  const jpeg = await blankJpeg();
  const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#fff' } }).png().toBuffer();
  const webp = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#fff' } }).webp().toBuffer();
  const jpegClaimingHuge = Buffer.from(jpeg);
  const sof = jpegClaimingHuge.indexOf(Buffer.from([0xff, 0xc0]));
  jpegClaimingHuge.writeUInt16BE(60_000, sof + 5);
  jpegClaimingHuge.writeUInt16BE(60_000, sof + 7);
  const svg = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>';
  const { payload: valid, headers: validHeaders } = multipartBody(file('a.jpg', jpeg));
  const boundary = validHeaders['content-type']!.split('boundary=')[1]!;
  const manyFields: Part[] = Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, content: 'x' }));
  const unsupported = /not a decodable image|not accepted|unsupported image format|larger than|truncated|no size/;
  return [
    { name: 'no body at all', payload: '', headers: { 'content-type': validHeaders['content-type']! }, status: 400, message: /inputFile/ },
    { name: 'JSON instead of multipart', payload: '{"inputFile":"x"}', headers: { 'content-type': 'application/json' }, status: 400, message: /multipart\/form-data/ },
    { name: 'plain text body', payload: 'hello', headers: { 'content-type': 'text/plain' }, status: 400, message: /./ },
    { name: 'multipart without a boundary parameter', payload: valid, headers: { 'content-type': 'multipart/form-data' }, status: 400, message: /multipart|boundary/i },
    { name: 'boundary that does not match the body', payload: valid, headers: { 'content-type': 'multipart/form-data; boundary=nope' }, status: 400, message: /multipart/ },
    { name: 'body cut before its closing boundary', payload: valid.subarray(0, valid.length - 40), headers: validHeaders, status: 400, message: /multipart/ },
    { name: 'part without a Content-Disposition header', payload: `--${boundary}\r\nContent-Type: image/jpeg\r\n\r\nxx\r\n--${boundary}--\r\n`, headers: { 'content-type': validHeaders['content-type']! }, status: 400, message: /./ },
    upload('only a text field', [{ name: 'note', content: 'hi' }], 400, /inputFile/),
    upload('file under another field name', [{ name: 'file', filename: 'a.jpg', content: jpeg }], 400, /must be named "inputFile"/),
    upload('two files in inputFile', [...file('a.jpg', jpeg), ...file('b.jpg', jpeg)], 400, /one file/),
    upload('40 text fields (too many parts)', manyFields, 413, /too many parts: at most 20 form fields and files/),
    upload('empty file', file('empty.jpg', Buffer.alloc(0)), 400, /empty/),
    upload('file over the limit', file('big.jpg', Buffer.alloc(LIMIT + 10, 0xff)), 413, /larger than/),
    upload('text named .jpg', file('fake.jpg', 'definitely not a jpeg'), 415, unsupported),
    upload('HTML named .png', file('page.png', '<html><script>alert(1)</script></html>'), 415, unsupported),
    upload('SVG with an external entity', file('x.svg', svg), 415, unsupported),
    upload('PDF', file('doc.jpg', '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF'), 415, unsupported),
    upload('ZIP', file('a.jpg', Buffer.from('504b0304140000000800', 'hex')), 415, unsupported),
    upload('ELF executable', file('a.jpg', Buffer.from('7f454c4602010100', 'hex')), 415, unsupported),
    upload('BMP (format not accepted)', file('a.bmp', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])), 415, unsupported),
    upload('JPEG cut in half', file('cut.jpg', jpeg.subarray(0, jpeg.length >> 1)), 415, unsupported),
    upload('JPEG of only its magic bytes', file('magic.jpg', jpeg.subarray(0, 3)), 415, unsupported),
    upload('JPEG header claiming 60000×60000 pixels', file('huge.jpg', jpegClaimingHuge), 415, unsupported),
    upload('PNG bomb claiming 100000×100000 pixels', file('bomb.png', pngClaiming(100_000, 100_000)), 415, unsupported),
    upload('PNG without its end chunk', file('cut.png', png.subarray(0, png.length - 12)), 415, unsupported),
    upload('PNG claiming 0×0 pixels', file('zero.png', pngClaiming(0, 0)), 415, unsupported),
    upload('WebP cut short', file('cut.webp', webp.subarray(0, 20)), 415, unsupported),
    upload('random bytes with a NUL in the name', file('a\u0000b.jpg', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])), 415, unsupported),
  ];
}

describe('hostile uploads against the real web tier', () => {
  let backends: TempBackends;
  let web: WebTier;
  let inputs: HostileInput[];

  before(async () => {
    backends = await tempBackends({ web: { maxUploadBytes: LIMIT, replyTimeoutMs: 300 } });
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    inputs = await corpus();
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  async function assertNothingStored(): Promise<void> {
    assert.deepEqual(await backends.requestQueue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.deepEqual(await backends.store.list(backends.names.inputBucket), []);
  }

  test('every input of the corpus gets its 4xx with a readable message, on POST / and on /v1/recognitions', async () => {
    assert.ok(inputs.length >= 25, `${inputs.length} inputs`);
    const wrong: string[] = [];
    for (const input of inputs) {
      for (const url of ['/', '/v1/recognitions']) {
        const res = await web.app.inject({ method: 'POST', url, payload: input.payload, headers: input.headers });
        const message = url === '/' ? res.body : String((res.json() as { error?: { message?: string } }).error?.message);
        const leaks = /\/tmp|\/srv|at .*\.js:\d+/.test(res.body);
        if (res.statusCode !== input.status || !input.message.test(message) || leaks) {
          wrong.push(`${input.name} on ${url}: ${res.statusCode} ${res.body.trim()}`);
        }
      }
    }
    assert.deepEqual(wrong, [], `answered wrongly:\n${wrong.join('\n')}`);
    await assertNothingStored();
  });

  test('a burst of 200 at once: all refused, nothing stored, and the service still answers', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const input = inputs[i % inputs.length]!;
        return web.app.inject({ method: 'POST', url: '/', payload: input.payload, headers: input.headers }).then((res) => [input, res.statusCode] as const);
      }),
    );
    for (const [input, status] of answers) assert.equal(status, input.status, input.name);
    await assertNothingStored();
    const health = await web.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
  });
});
