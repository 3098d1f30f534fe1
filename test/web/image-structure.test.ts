import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { imageLooksComplete, readImageSize, sniffImageFormat } from '../../src/domain/image-structure.js';
import { checkDecodableImage } from '../../src/web/upload-checks.js';
import { postParts, startWebWithWorker } from './support.js';

const picture = sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 90, b: 40 } } });

describe('image structure checks', () => {
  test('formats are told by their magic bytes, whatever the file name', async () => {
    assert.equal(sniffImageFormat(await picture.clone().jpeg().toBuffer()), 'jpeg');
    assert.equal(sniffImageFormat(await picture.clone().png().toBuffer()), 'png');
    assert.equal(sniffImageFormat(await picture.clone().webp().toBuffer()), 'webp');
    assert.equal(sniffImageFormat(await picture.clone().gif().toBuffer()), 'gif');
    assert.equal(sniffImageFormat(await picture.clone().tiff().toBuffer()), 'tiff');
    assert.equal(sniffImageFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), undefined);
    assert.equal(sniffImageFormat(Buffer.from('%PDF-1.7')), undefined);
  });

  for (const format of ['jpeg', 'png', 'webp', 'gif'] as const) {
    test(`a complete ${format} passes, the same cut short does not`, async () => {
      const bytes = await picture.clone().toFormat(format).toBuffer();
      assert.equal(imageLooksComplete(format, bytes), true);
      assert.equal(imageLooksComplete(format, bytes.subarray(0, bytes.length - 12)), false);
      await assert.rejects(checkDecodableImage(bytes.subarray(0, bytes.length - 12)), { code: 'UNSUPPORTED_MEDIA' });
      assert.deepEqual(await checkDecodableImage(bytes), { format: format === 'jpeg' ? 'jpeg' : format, width: 40, height: 30 });
    });
  }

  test('sizes read from the headers in JavaScript agree with sharp for every format and odd sizes', async () => {
    for (const [width, height] of [[1, 1], [37, 91], [640, 17], [300, 300]] as const) {
      const base = sharp({ create: { width, height, channels: 3, background: '#3366aa' } });
      for (const format of ['jpeg', 'png', 'gif', 'webp'] as const) {
        const options = format === 'webp' ? { lossless: width === 37 } : {};
        const bytes = await base.clone().toFormat(format, options).toBuffer();
        assert.deepEqual(readImageSize(format, bytes), { width, height }, `${format} ${width}×${height}`);
      }
    }
  });

  test('an SVG named .jpg is refused before any decoder sees it', async () => {
    await assert.rejects(checkDecodableImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')), {
      code: 'UNSUPPORTED_MEDIA',
    });
  });
});

describe('damage inside complete-looking image data', () => {
  test('is decoded leniently by the worker (as browsers do), answered once, and leaves nothing queued', async () => {
    const system = await startWebWithWorker();
    try {
      const jpeg = await picture.clone().resize(64, 64).jpeg().toBuffer();
      const scan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
      const damaged = Buffer.from(jpeg);
      damaged.fill(0xff, scan + 20, jpeg.length - 2); // markers intact, entropy-coded data destroyed
      const res = await postParts(system.app, '/', [{ name: 'inputFile', filename: 'damaged.jpg', content: damaged }]);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.body, 'damaged:NoFace');
      assert.deepEqual(await system.backends.requestQueue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
      assert.equal((await system.backends.store.get(system.backends.names.outputBucket, 'damaged')).toString(), 'NoFace');
    } finally {
      await system.stop();
    }
  });
});
