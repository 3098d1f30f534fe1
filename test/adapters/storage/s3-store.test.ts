/**
 * What the S3 adapter does beyond the object-store conformance suite (test/conformance/sqs-s3.test.ts), on
 * fauxqs: multipart uploads, missing buckets, the factory, and an unreachable endpoint surfacing as a retryable
 * BackendUnavailableError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createObjectStore } from '../../../src/adapters/storage/index.js';
import { MULTIPART_THRESHOLD_BYTES, S3ObjectStore } from '../../../src/adapters/storage/s3-store.js';
import { loadConfig } from '../../../src/config/index.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { isUnreachable, startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../../helpers/fauxqs.js';

useDummyAwsCredentials();

let fauxqs: Fauxqs;
let store: S3ObjectStore;

before(async () => {
  fauxqs = await startFauxqs();
  store = new S3ObjectStore({ region: fauxqs.region, endpoint: fauxqs.endpoint, forcePathStyle: true });
});

after(async () => {
  await fauxqs.stop();
});

describe('S3ObjectStore', () => {
  test('a body above the threshold goes up in parts and comes back whole', async () => {
    await store.ensureBucket('sf-multipart');
    const big = Buffer.alloc(MULTIPART_THRESHOLD_BYTES * 2 + 12345);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await store.put('sf-multipart', 'big.bin', big, { contentType: 'application/octet-stream' });
    const small = Buffer.alloc(MULTIPART_THRESHOLD_BYTES, 1);
    await store.put('sf-multipart', 'small.bin', small);
    assert.ok((await store.get('sf-multipart', 'big.bin')).equals(big));
    const [bigInfo, smallInfo] = await store.list('sf-multipart');
    assert.equal(bigInfo?.size, big.length);
    // S3 gives a multipart object the ETag `<md5 of part md5s>-<parts>`.
    assert.match(bigInfo?.etag ?? '', /-3$/);
    assert.doesNotMatch(smallInfo?.etag ?? '-', /-/);
  });

  test('reading or listing a missing bucket rejects with NotFoundError', async () => {
    await assert.rejects(store.get('sf-never-created', 'k'), NotFoundError);
    await assert.rejects(store.list('sf-never-created'), NotFoundError);
    assert.equal(await store.head('sf-never-created', 'k'), undefined);
  });

  test('createObjectStore builds the S3 adapter from config', async () => {
    const s3 = { endpoint: fauxqs.endpoint, region: fauxqs.region, forcePathStyle: true };
    const fromConfig = await createObjectStore(loadConfig({ storage: { backend: 's3', s3 } }, {}));
    assert.ok(fromConfig instanceof S3ObjectStore);
    await fromConfig.ensureBucket('sf-from-config');
    await fromConfig.put('sf-from-config', 'a.txt', Buffer.from('a'));
    assert.equal((await store.get('sf-from-config', 'a.txt')).toString(), 'a');
  });
});

describe('unreachable endpoint', () => {
  test('S3 calls reject with a retryable BackendUnavailableError', async () => {
    const down = await startFauxqs();
    const s3 = new S3ObjectStore({ region: down.region, endpoint: down.endpoint, forcePathStyle: true });
    await s3.ensureBucket('sf-soon-unreachable');
    await down.stop();
    const calls = [() => s3.get('sf-soon-unreachable', 'k'), () => s3.put('sf-soon-unreachable', 'k', Buffer.from('k'))];
    for (const call of calls) await assert.rejects(call(), isUnreachable);
  });
});
