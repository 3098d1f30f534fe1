/**
 * The bulk enrollment's tar reader: plain files come out with their paths; hostile archives (paths that climb or
 * start at the root, links, too many entries, a gzip bomb, a zip) are refused as a whole with a readable reason.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { readTarFiles } from '../../src/domain/tar-archive.js';
import { tarOf } from '../helpers/tar.js';

const LIMITS = { maxEntries: 50, maxBytes: 1024 * 1024, maxFileBytes: 64 * 1024 };

describe('readTarFiles', () => {
  test('files of a tar and of a tar.gz, with folders skipped and a pax path taken', () => {
    const pax = '30 path=Zoë/a-long-name-1.jpg\n';
    const tar = tarOf([
      { name: 'Ann/', type: '5' },
      { name: 'Ann/1.jpg', content: 'one' },
      { name: 'PaxHeader', type: 'x', content: pax },
      { name: 'Zo/short.jpg', content: 'two' },
    ]);
    for (const archive of [tar, gzipSync(tar)]) {
      const files = readTarFiles(archive, LIMITS);
      assert.deepEqual(files.map((f) => [f.path, f.bytes.toString()]), [['Ann/1.jpg', 'one'], ['Zoë/a-long-name-1.jpg', 'two']]);
    }
  });

  test('paths that climb or start at the root, and links, refuse the archive', () => {
    assert.throws(() => readTarFiles(tarOf([{ name: '../etc/passwd', content: 'x' }]), LIMITS), /not a plain relative path/);
    assert.throws(() => readTarFiles(tarOf([{ name: 'Ann/../../x.jpg', content: 'x' }]), LIMITS), /not a plain relative path/);
    assert.throws(() => readTarFiles(tarOf([{ name: '/Ann/1.jpg', content: 'x' }]), LIMITS), /not a plain relative path/);
    assert.throws(() => readTarFiles(tarOf([{ name: 'Ann/1.jpg', type: '2', linkName: '/etc/passwd' }]), LIMITS), /link or a device/);
  });

  test('too many entries, a file over the photo limit, a gzip bomb: 413; a zip: 415; garbage: 400', () => {
    const many = tarOf(Array.from({ length: 51 }, (_, i) => ({ name: `Ann/${i}.jpg`, content: 'x' })));
    assert.throws(() => readTarFiles(many, LIMITS), (e: Error & { code?: string }) => e.code === 'PAYLOAD_TOO_LARGE' && /more than 50 entries/.test(e.message));
    const big = tarOf([{ name: 'Ann/1.jpg', content: Buffer.alloc(65 * 1024) }]);
    assert.throws(() => readTarFiles(big, LIMITS), /larger than 65536 bytes/);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    assert.ok(bomb.length < 100 * 1024, `the bomb is ${bomb.length} bytes`);
    assert.throws(() => readTarFiles(bomb, LIMITS), (e: Error & { code?: string }) => e.code === 'PAYLOAD_TOO_LARGE' && /expands past 1048576 bytes/.test(e.message));
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]);
    assert.throws(() => readTarFiles(zip, LIMITS), (e: Error & { code?: string }) => e.code === 'UNSUPPORTED_MEDIA');
    assert.throws(() => readTarFiles(Buffer.alloc(600, 7), LIMITS), /not a tar archive/);
  });
});
