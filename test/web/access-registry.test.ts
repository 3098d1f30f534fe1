import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AccessRegistry, hashOfKey } from '../../src/web/access-registry.js';
import { tempStore, type TempStore } from '../recognition/support.js';

const BUCKET = 'gallery';

describe('AccessRegistry on the folder store', () => {
  let temp: TempStore;
  let now = 1_000_000;
  let registry: AccessRegistry;
  /** Another web process over the same bucket, with its own cache. */
  let other: AccessRegistry;
  before(async () => {
    temp = await tempStore();
    await temp.store.ensureBucket(BUCKET);
    registry = new AccessRegistry(temp.store, BUCKET, { cacheMs: 2000, now: () => now });
    other = new AccessRegistry(temp.store, BUCKET, { cacheMs: 2000, now: () => now });
    await registry.createCollection('east');
  });
  after(() => temp.cleanup());

  test('a revoked key works on another process only until its cached lookup is older than cacheMs', async () => {
    const created = await registry.createKey('east', { scopes: ['recognize'] });
    assert.equal((await other.keyOf('east', created.key))?.id, created.id);
    await registry.revokeKey('east', created.id);
    assert.equal(await registry.keyOf('east', created.key), undefined, 'the revoking process forgets it at once');
    now += 1999;
    assert.equal((await other.keyOf('east', created.key))?.id, created.id, 'still cached elsewhere');
    now += 2;
    assert.equal(await other.keyOf('east', created.key), undefined);
  });

  test('the stored record is named by the key\'s SHA-256 and holds no key; the id is its prefix', async () => {
    const created = await registry.createKey('east', { scopes: ['admin', 'enroll'], name: ' desk ' });
    const stored = await temp.store.get(BUCKET, `access/keys/east/${hashOfKey(created.key)}.json`);
    assert.ok(!stored.toString().includes(created.key));
    assert.deepEqual(JSON.parse(stored.toString()), { id: hashOfKey(created.key).slice(0, 16), collection: 'east', scopes: ['enroll', 'admin'], name: 'desk', createdAt: now });
    assert.equal(await registry.keyOf('east', `${created.key}x`), undefined);
    assert.equal(await registry.keyOf('default', created.key), undefined, 'a key belongs to one collection');
  });

  test('unknown collections and ids are NOT_FOUND', async () => {
    await assert.rejects(registry.createKey('west', { scopes: ['recognize'] }), /no collection "west"/);
    await assert.rejects(registry.revokeKey('east', '0123456789abcdef'), /has no key/);
    await assert.rejects(registry.revokeKey('east', '../../x'), /has no key/);
  });
});
