/**
 * The ObjectStore conformance suite: any adapter (local folders, S3, an S3 emulator) runs it with
 * `runObjectStoreConformance(label, harness)`. Every test uses its own randomly named bucket.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ScalefaceError, type ErrorCode } from '../../src/domain/errors.js';
import type { ObjectStore } from '../../src/ports/object-store.js';

export interface ObjectStoreHarness {
  makeStore(): Promise<ObjectStore>;
  /** True when keys such as `../x` or `/abs` are rejected with INVALID_INPUT (local folders; S3 allows them). */
  rejectsPathTraversal: boolean;
  cleanup?(): Promise<void>;
}

async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof ScalefaceError && error.code === code);
}

export function runObjectStoreConformance(label: string, harness: ObjectStoreHarness): void {
  describe(`object store conformance: ${label}`, () => {
    let store: ObjectStore | undefined;
    const current = (): ObjectStore => {
      assert.ok(store, 'the suite has no store yet');
      return store;
    };
    /** A new bucket with a unique name, already created. */
    const freshBucket = async (): Promise<string> => {
      const bucket = `sf-conf-${randomBytes(6).toString('hex')}`;
      await current().ensureBucket(bucket);
      return bucket;
    };

    before(async () => {
      store = await harness.makeStore();
    });
    after(async () => {
      await harness.cleanup?.();
    });

    test('ensureBucket is idempotent and keeps existing objects', async () => {
      const bucket = await freshBucket();
      await current().put(bucket, 'kept', Buffer.from('still here'));
      await current().ensureBucket(bucket);
      assert.equal((await current().get(bucket, 'kept')).toString(), 'still here');
    });

    test('binary bytes, and zero bytes, round-trip through put and get', async () => {
      const bucket = await freshBucket();
      const bytes = Buffer.from(Array.from({ length: 256 * 4 }, (_, i) => i % 256));
      await current().put(bucket, 'binary.bin', bytes, { contentType: 'application/octet-stream' });
      assert.ok((await current().get(bucket, 'binary.bin')).equals(bytes));
      await current().put(bucket, 'empty', Buffer.alloc(0));
      assert.equal((await current().get(bucket, 'empty')).length, 0);
      assert.equal((await current().head(bucket, 'empty'))?.size, 0);
    });

    test('head describes an object; overwriting changes its bytes and etag', async () => {
      const bucket = await freshBucket();
      await current().put(bucket, 'photo.jpg', Buffer.from('first version'));
      const first = await current().head(bucket, 'photo.jpg');
      assert.ok(first);
      assert.equal(first.key, 'photo.jpg');
      assert.equal(first.size, 13);
      assert.ok(first.modifiedAt > Date.now() - 60_000 && first.modifiedAt <= Date.now() + 60_000);
      await current().put(bucket, 'photo.jpg', Buffer.from('other version'));
      const second = await current().head(bucket, 'photo.jpg');
      assert.equal(second?.size, 13);
      assert.notEqual(second?.etag, first.etag);
      assert.equal((await current().get(bucket, 'photo.jpg')).toString(), 'other version');
    });

    test('a missing object: head gives undefined, get rejects with NOT_FOUND', async () => {
      const bucket = await freshBucket();
      assert.equal(await current().head(bucket, 'nothing-here'), undefined);
      await rejectsWithCode(current().get(bucket, 'nothing-here'), 'NOT_FOUND');
      await rejectsWithCode(current().get(bucket, 'no/such/folder/key'), 'NOT_FOUND');
    });

    test('list returns the objects under a prefix, sorted by key, with slashes in keys', async () => {
      const bucket = await freshBucket();
      for (const key of ['b/2', 'a/10', 'c', 'a/1', 'a/2/deep.txt', 'ab']) {
        await current().put(bucket, key, Buffer.from(key));
      }
      const under = await current().list(bucket, 'a/');
      assert.deepEqual(under.map((o) => o.key), ['a/1', 'a/10', 'a/2/deep.txt']);
      assert.deepEqual(under.map((o) => o.size), [3, 4, 12]);
      const everything = await current().list(bucket);
      assert.deepEqual(everything.map((o) => o.key), ['a/1', 'a/10', 'a/2/deep.txt', 'ab', 'b/2', 'c']);
      assert.deepEqual(await current().list(bucket, 'zzz'), []);
      assert.equal((await current().get(bucket, 'a/2/deep.txt')).toString(), 'a/2/deep.txt');
    });

    test('delete removes an object and is a no-op when it is missing', async () => {
      const bucket = await freshBucket();
      await current().put(bucket, 'dir/file', Buffer.from('x'));
      await current().delete(bucket, 'dir/file');
      assert.equal(await current().head(bucket, 'dir/file'), undefined);
      await current().delete(bucket, 'dir/file');
      await current().delete(bucket, 'never-existed');
      assert.deepEqual(await current().list(bucket), []);
    });

    test('concurrent puts to one key leave one complete version, never a mix', async () => {
      const bucket = await freshBucket();
      const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(512 * 1024, i + 1));
      const reads: Promise<Buffer | undefined>[] = [];
      await Promise.all(
        versions.map(async (bytes) => {
          await current().put(bucket, 'contended', bytes);
          reads.push(current().get(bucket, 'contended'));
        }),
      );
      for (const seen of [...(await Promise.all(reads)), await current().get(bucket, 'contended')]) {
        assert.ok(seen, 'nothing read');
        assert.ok(versions.some((v) => v.equals(seen)), 'read a mix of versions or a partial object');
      }
      assert.deepEqual((await current().list(bucket)).map((o) => o.key), ['contended']);
    });

    test('keys that could leave the bucket are rejected with INVALID_INPUT', async (t) => {
      if (!harness.rejectsPathTraversal) {
        t.skip('this store allows such keys (S3 treats them as plain names)');
        return;
      }
      const bucket = await freshBucket();
      for (const key of ['../x', '/abs', 'a/../../b', 'nul\0byte', '..', 'a//b']) {
        await rejectsWithCode(current().put(bucket, key, Buffer.from('escape')), 'INVALID_INPUT');
        await rejectsWithCode(current().get(bucket, key), 'INVALID_INPUT');
      }
      assert.deepEqual(await current().list(bucket), []);
    });
  });
}
