/**
 * Collections and API keys through the real tiers over HTTP (a running `up`: web tier, queue, workers), the same
 * scenario on every backend: collections are created, keys made and used, a face enrolled in one collection is
 * Unknown in another, scopes are refused, a revoked key stops working, and `POST /` answers as it always did.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RunningSystem } from '../../src/system/up.js';
import { demoFace } from '../recognition/support.js';
import { upload } from './http-scenarios.js';
import { degraded } from './images.js';
import { waitUntil } from './wait.js';

export interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown> & { error?: { code: string; message: string } };
  readonly headers: Headers;
}

interface CreatedKey {
  readonly id: string;
  readonly key: string;
  readonly scopes: string[];
}

async function call(url: string, path: string, init: { method?: string; credential?: string; body?: unknown; form?: FormData } = {}): Promise<Answer> {
  const headers: Record<string, string> = init.credential === undefined ? {} : { authorization: `Bearer ${init.credential}` };
  let body: string | FormData | undefined = init.form;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const response = await fetch(new URL(path, url), { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  return { status: response.status, json: text.length > 0 ? (JSON.parse(text) as Answer['json']) : {}, headers: response.headers };
}

function photoForm(field: string, fileName: string, bytes: Buffer): FormData {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)]), fileName);
  return form;
}

async function createKey(url: string, credential: string, collection: string, scopes: string[]): Promise<CreatedKey> {
  const created = await call(url, `/v1/collections/${collection}/keys`, { credential, body: { scopes, name: `${scopes.join('+')} key` } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return created.json as unknown as CreatedKey;
}

async function recognizeIn(url: string, collection: string, credential: string | undefined, fileName: string, bytes: Buffer): Promise<Answer> {
  return call(url, `/v1/collections/${collection}/recognitions`, { credential, form: photoForm('inputFile', fileName, bytes) });
}

function labelOf(answer: Answer): string {
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return answer.json.label as string;
}

/** Two collections next to the default one; a duplicate is refused; the listing has all three. */
async function createCollections(url: string, token: string): Promise<void> {
  for (const name of ['shop-a', 'shop-b']) {
    const created = await call(url, '/v1/collections', { credential: token, body: { name } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.name, name);
  }
  assert.equal((await call(url, '/v1/collections', { credential: token, body: { name: 'shop-a' } })).status, 409);
  const refused = await call(url, '/v1/collections', { credential: 'sfk_not-the-admin-token', body: { name: 'shop-c' } });
  assert.equal(refused.status, 401, 'only the admin token creates collections');
  const listed = await call(url, '/v1/collections', { credential: token });
  assert.deepEqual((listed.json.collections as { name: string }[]).map((c) => c.name), ['default', 'shop-a', 'shop-b']);
  const unknown = await recognizeIn(url, 'nope', token, 'x.jpg', await demoFace('a1'));
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.error!.message, /no collection "nope"/);
}

/** The keys are stored hashed: the gallery bucket holds their SHA-256, never the keys. */
async function checkStoredHashed(system: RunningSystem, collection: string, keys: readonly CreatedKey[]): Promise<void> {
  const { store, names } = system.backends;
  const stored = await store.list(names.galleryBucket, `access/keys/${collection}/`);
  const hashes = keys.map((k) => createHash('sha256').update(k.key).digest('hex'));
  assert.deepEqual(stored.map((o) => o.key.split('/').pop()).sort(), hashes.map((h) => `${h}.json`).sort());
  for (const object of stored) {
    const text = (await store.get(names.galleryBucket, object.key)).toString();
    for (const key of keys) assert.ok(!text.includes(key.key), 'a stored record never holds its key');
  }
}

/** Alice in shop-a only, Bea in the default collection only; each is Unknown elsewhere, POST / as before. */
async function enrollAndRecognize(system: RunningSystem, token: string, keys: Record<'aEnroll' | 'aRecognize' | 'bRecognize', CreatedKey>): Promise<void> {
  const { url } = system;
  const alice = await demoFace('a1');
  const enrolled = await call(url, '/v1/collections/shop-a/subjects/Alice/examples', { credential: keys.aEnroll.key, form: photoForm('photos', 'a1.jpg', alice) });
  assert.equal(enrolled.status, 201, JSON.stringify(enrolled.json));
  const forbidden = await call(url, '/v1/collections/shop-a/subjects/Eve/examples', { credential: keys.aRecognize.key, form: photoForm('photos', 'a1.jpg', alice) });
  assert.equal(forbidden.status, 403, JSON.stringify(forbidden.json));
  assert.equal(forbidden.json.error!.code, 'FORBIDDEN');
  assert.match(forbidden.json.error!.message, /needs enroll/);
  const bea = await call(url, '/v1/subjects/Bea/examples', { credential: token, form: photoForm('photos', 'b.jpg', await demoFace('b')) });
  assert.equal(bea.status, 201, JSON.stringify(bea.json));
  const aliceProbe = await degraded(alice);
  assert.equal(labelOf(await recognizeIn(url, 'shop-a', keys.aRecognize.key, 'alice_a.jpg', aliceProbe)), 'Alice');
  assert.equal(labelOf(await recognizeIn(url, 'shop-b', keys.bRecognize.key, 'alice_b.jpg', aliceProbe)), 'Unknown');
  const beaProbe = await degraded(await demoFace('b'));
  assert.equal(labelOf(await recognizeIn(url, 'shop-a', keys.aRecognize.key, 'bea_a.jpg', beaProbe)), 'Unknown');
  // The seed's contract: the default collection, plain text, no credential (uploads are open in this deployment).
  assert.deepEqual(await upload(url, 'bea_seed.jpg', beaProbe), { status: 200, body: 'bea_seed:Bea' });
  assert.deepEqual(await upload(url, 'alice_seed.jpg', aliceProbe), { status: 200, body: 'alice_seed:Unknown' });
  const subjects = await call(url, '/v1/collections/shop-a/subjects', { credential: keys.aEnroll.key });
  assert.deepEqual((subjects.json.subjects as { name: string }[]).map((s) => s.name), ['Alice']);
}

/** An async job of shop-a answers from shop-a's gallery, and is not another collection's to read. */
async function jobInCollection(url: string, token: string, key: CreatedKey): Promise<void> {
  const accepted = await call(url, '/v1/collections/shop-a/jobs', { credential: key.key, form: photoForm('inputFile', 'alice_job.jpg', await degraded(await demoFace('a1'))) });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.json));
  const location = accepted.headers.get('location')!;
  assert.equal(location, `/v1/collections/shop-a/jobs/${String(accepted.json.id)}`);
  let job: Answer | undefined;
  await waitUntil('the job is finished', async () => {
    job = await call(url, location, { credential: key.key });
    return job.json.status === 'succeeded' || job.json.status === 'failed';
  }, 60_000);
  assert.equal((job!.json.result as { label: string }).label, 'Alice', JSON.stringify(job!.json));
  assert.equal((await call(url, `/v1/jobs/${String(accepted.json.id)}`, { credential: token })).status, 404);
  assert.equal((await call(url, `/v1/collections/shop-b/jobs/${String(accepted.json.id)}`, { credential: token })).status, 404);
}

/** A verification against a subject uses the collection's gallery: Alice is in shop-a, not in shop-b or the default. */
async function verifyInCollection(url: string, token: string, key: CreatedKey): Promise<void> {
  const probe = await degraded(await demoFace('a1'));
  const form = () => {
    const data = photoForm('source', 'alice_v.jpg', probe);
    data.append('subject', 'Alice');
    return data;
  };
  const same = await call(url, '/v1/collections/shop-a/verifications', { credential: key.key, form: form() });
  assert.equal(same.status, 200, JSON.stringify(same.json));
  assert.equal(same.json.same, true, JSON.stringify(same.json));
  for (const path of ['/v1/collections/shop-b/verifications', '/v1/verifications']) {
    const elsewhere = await call(url, path, { credential: token, form: form() });
    assert.equal(elsewhere.status, 404, `${path}: ${JSON.stringify(elsewhere.json)}`);
  }
}

/** No key, a key of another collection, a revoked key: 401; the revoked one within seconds. */
async function refusals(url: string, token: string, keys: Record<'aRecognize' | 'bRecognize', CreatedKey>): Promise<void> {
  const probe = await demoFace('c');
  const missing = await recognizeIn(url, 'shop-a', undefined, 'c.jpg', probe);
  assert.equal(missing.status, 401, 'a named collection needs a key even where uploads are open');
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="scaleface"');
  const foreign = await recognizeIn(url, 'shop-a', keys.bRecognize.key, 'c.jpg', probe);
  assert.equal(foreign.status, 401);
  assert.match(foreign.json.error!.message, /not valid for collection "shop-a"/);
  const listed = await call(url, '/v1/collections/shop-a/keys', { credential: token });
  assert.ok((listed.json.keys as { id: string; key?: string }[]).every((k) => k.key === undefined), 'a listing never shows a key');
  assert.ok((listed.json.keys as { id: string }[]).some((k) => k.id === keys.aRecognize.id));
  const revoked = await call(url, `/v1/collections/shop-a/keys/${keys.aRecognize.id}`, { method: 'DELETE', credential: token });
  assert.deepEqual(revoked.json, { id: keys.aRecognize.id, collection: 'shop-a', revoked: true });
  await waitUntil('the revoked key is refused', async () => (await recognizeIn(url, 'shop-a', keys.aRecognize.key, 'c.jpg', probe)).status === 401, 10_000);
  const gone = await call(url, `/v1/collections/shop-a/keys/${keys.aRecognize.id}`, { method: 'DELETE', credential: token });
  assert.equal(gone.status, 404);
}

/** The whole scenario on a running system whose admin token is `token` and whose uploads are open. */
export async function collectionsAndKeysScenario(system: RunningSystem, token: string): Promise<void> {
  const { url } = system;
  await createCollections(url, token);
  const aEnroll = await createKey(url, token, 'shop-a', ['enroll', 'recognise']);
  assert.deepEqual(aEnroll.scopes, ['recognize', 'enroll']);
  assert.match(aEnroll.key, /^sfk_[A-Za-z0-9_-]{43}$/);
  const aRecognize = await createKey(url, token, 'shop-a', ['recognize']);
  const bAdmin = await createKey(url, token, 'shop-b', ['admin']);
  // A collection's admin key makes the collection's keys (and no other collection's).
  const bRecognize = await createKey(url, bAdmin.key, 'shop-b', ['recognize']);
  assert.equal((await call(url, '/v1/collections/shop-a/keys', { credential: bAdmin.key, body: { scopes: ['recognize'] } })).status, 401);
  await checkStoredHashed(system, 'shop-a', [aEnroll, aRecognize]);
  await enrollAndRecognize(system, token, { aEnroll, aRecognize, bRecognize });
  await jobInCollection(url, token, aRecognize);
  await verifyInCollection(url, token, aRecognize);
  await refusals(url, token, { aRecognize, bRecognize });
}
