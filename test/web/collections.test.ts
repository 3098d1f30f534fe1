import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConfigInput } from '../../src/config/index.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { waitUntil } from '../helpers/wait.js';
import { postParts, TEST_STATUS } from './support.js';

const TOKEN = 'collections-admin-token';
const ADMIN = { authorization: `Bearer ${TOKEN}` };
/** A multipart body without the expected file: passing the guard shows as 400, failing it as 401/403/404. */
const noFile = [{ name: 'note', content: 'no file here' }];

async function webTiers(web: ConfigInput['web'], count: number): Promise<{ backends: TempBackends; tiers: WebTier[] }> {
  const backends = await tempBackends({ web: { replyTimeoutMs: 300, ...web } });
  const tiers: WebTier[] = [];
  for (let i = 0; i < count; i++) tiers.push(await createWebTier(backends, { requestQueue: backends.requestQueue, status: TEST_STATUS }));
  return { backends, tiers };
}

async function newKey(tier: WebTier, collection: string, scopes: string[], headers: Record<string, string> = ADMIN): Promise<{ id: string; key: string }> {
  const res = await tier.app.inject({ method: 'POST', url: `/v1/collections/${collection}/keys`, headers, payload: { scopes } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

describe('collections and keys on two web processes sharing the embedded backends', () => {
  let backends: TempBackends;
  let one: WebTier;
  let two: WebTier;
  before(async () => {
    const started = await webTiers({ authToken: TOKEN, accessCacheMs: 300 }, 2);
    backends = started.backends;
    [one, two] = started.tiers as [WebTier, WebTier];
    const created = await one.app.inject({ method: 'POST', url: '/v1/collections', headers: ADMIN, payload: { name: 'north' } });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(async () => {
    await one.close();
    await two.close();
    await backends.dispose();
  });

  test('a collection and a key made on one process serve on the other; a revocation there stops it within the cache time', async () => {
    const { id, key } = await newKey(one, 'north', ['recognize']);
    const bearer = { authorization: `Bearer ${key}` };
    assert.equal((await postParts(two.app, '/v1/collections/north/recognitions', noFile, bearer)).statusCode, 400);
    assert.equal((await postParts(two.app, '/v1/collections/north/recognitions', noFile, { 'x-api-key': key })).statusCode, 400, 'x-api-key works too');
    assert.equal((await one.app.inject({ method: 'DELETE', url: `/v1/collections/north/keys/${id}`, headers: ADMIN })).statusCode, 200);
    await waitUntil('the other process refuses the revoked key', async () => (await postParts(two.app, '/v1/collections/north/recognitions', noFile, bearer)).statusCode === 401, 5000);
    assert.equal((await postParts(one.app, '/v1/collections/north/recognitions', noFile, bearer)).statusCode, 401, 'the revoking process at once');
  });

  test('scopes: recognize does not enroll, enroll does not delete, admin does both and manages keys', async () => {
    const recognize = { authorization: `Bearer ${(await newKey(one, 'north', ['recognize'])).key}` };
    const enroll = { authorization: `Bearer ${(await newKey(one, 'north', ['enroll'])).key}` };
    const admin = { authorization: `Bearer ${(await newKey(one, 'north', ['admin'])).key}` };
    const refused = await postParts(one.app, '/v1/collections/north/subjects/Ann/examples', noFile, recognize);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'FORBIDDEN');
    assert.equal((await postParts(one.app, '/v1/collections/north/recognitions', noFile, enroll)).statusCode, 403, 'enroll does not recognize');
    assert.equal((await postParts(one.app, '/v1/collections/north/subjects/Ann/examples', noFile, enroll)).statusCode, 400);
    assert.equal((await one.app.inject({ method: 'DELETE', url: '/v1/collections/north/subjects/Ann', headers: enroll })).statusCode, 403);
    assert.equal((await one.app.inject({ method: 'DELETE', url: '/v1/collections/north/subjects/Ann', headers: admin })).statusCode, 404, 'past the guard: no such subject');
    assert.equal((await one.app.inject({ url: '/v1/collections/north/keys', headers: enroll })).statusCode, 403);
    assert.equal((await one.app.inject({ url: '/v1/collections/north/keys', headers: admin })).statusCode, 200);
    assert.equal((await one.app.inject({ url: '/v1/collections', headers: admin })).statusCode, 401, 'listing collections is the deployment admin\'s');
  });

  test('a key of the default collection works on the old paths, and only there', async () => {
    const { key } = await newKey(one, 'default', ['enroll']);
    const bearer = { authorization: `Bearer ${key}` };
    assert.deepEqual((await two.app.inject({ url: '/v1/subjects', headers: bearer })).json(), { subjects: [] });
    assert.equal((await two.app.inject({ url: '/v1/collections/default/subjects', headers: bearer })).statusCode, 200);
    assert.equal((await two.app.inject({ url: '/v1/collections/north/subjects', headers: bearer })).statusCode, 401);
    assert.equal((await postParts(two.app, '/v1/recognitions', noFile, bearer)).statusCode, 403, 'enroll only');
  });

  test('bad names and scopes are 400 with the rule; an unknown collection is 404, a taken name 409', async () => {
    const badName = await one.app.inject({ method: 'POST', url: '/v1/collections', headers: ADMIN, payload: { name: 'Not OK!' } });
    assert.equal(badName.statusCode, 400);
    assert.match(badName.json().error.message, /a-z, 0-9/);
    assert.equal((await one.app.inject({ method: 'POST', url: '/v1/collections', headers: ADMIN, payload: { name: 'default' } })).statusCode, 409);
    const badScope = await one.app.inject({ method: 'POST', url: '/v1/collections/north/keys', headers: ADMIN, payload: { scopes: ['everything'] } });
    assert.equal(badScope.statusCode, 400);
    assert.match(badScope.json().error.message, /unknown scope "everything"/);
    const unknown = await one.app.inject({ url: '/v1/collections/south/subjects', headers: ADMIN });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().error.message, /no collection "south"/);
    assert.equal((await one.app.inject({ url: '/v1/collections/BAD/subjects', headers: ADMIN })).statusCode, 400);
  });
});

describe('collections in an open deployment (no web.authToken)', () => {
  let backends: TempBackends;
  let web: WebTier;
  before(async () => {
    const started = await webTiers({}, 1);
    backends = started.backends;
    web = started.tiers[0]!;
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  test('as every route there: no credential needed; an unknown collection is still 404', async () => {
    assert.equal((await web.app.inject({ method: 'POST', url: '/v1/collections', payload: { name: 'open' } })).statusCode, 201);
    assert.deepEqual((await web.app.inject({ url: '/v1/collections/open/subjects' })).json(), { subjects: [] });
    assert.equal((await postParts(web.app, '/v1/collections/open/recognitions', noFile)).statusCode, 400);
    assert.equal((await postParts(web.app, '/v1/collections/closed/recognitions', noFile)).statusCode, 404);
  });
});
