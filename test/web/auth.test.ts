import assert from 'node:assert/strict';
import { get } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { ConfigInput } from '../../src/config/index.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { createAuthGuards, tokensMatch } from '../../src/web/auth.js';
import { blankJpeg } from '../helpers/images.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { postParts, TEST_STATUS } from './support.js';

const TOKEN = 'correct-horse-battery-staple';
const GOOD = { authorization: `Bearer ${TOKEN}` };

async function webTier(web: ConfigInput['web']): Promise<{ backends: TempBackends; tier: WebTier }> {
  const backends = await tempBackends({ web: { replyTimeoutMs: 300, ...web } });
  const tier = await createWebTier(backends, { requestQueue: backends.requestQueue, status: TEST_STATUS });
  return { backends, tier };
}

/** A multipart body without the expected file: passing auth shows as 400, failing it as 401. */
const noFile = [{ name: 'note', content: 'no file here' }];

describe('with a token and requireAuthForUploads', () => {
  let backends: TempBackends;
  let web: WebTier;
  before(async () => ({ backends, tier: web } = await webTier({ authToken: TOKEN, requireAuthForUploads: true })));
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  const adminRoutes = [
    { method: 'GET', url: '/v1/subjects' },
    { method: 'DELETE', url: '/v1/subjects/Alice' },
    { method: 'GET', url: '/v1/jobs' },
  ] as const;

  for (const route of adminRoutes) {
    test(`${route.method} ${route.url}: 401 without a token, with a wrong one, and with another scheme`, async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-123' }, { authorization: `Basic ${TOKEN}` }, { authorization: 'Bearer' }]) {
        const res = await web.app.inject({ method: route.method, url: route.url, headers });
        assert.equal(res.statusCode, 401, JSON.stringify(headers));
        assert.equal(res.json().error.code, 'UNAUTHORIZED');
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="scaleface"');
      }
      const missing = await web.app.inject({ method: route.method, url: route.url });
      assert.match(missing.json().error.message, /Authorization: Bearer <token>/);
      const wrong = await web.app.inject({ method: route.method, url: route.url, headers: { authorization: 'Bearer nope-nope-nope' } });
      assert.match(wrong.json().error.message, /not valid/);
    });
  }

  test('admin routes answer with the token', async () => {
    assert.deepEqual((await web.app.inject({ url: '/v1/subjects', headers: GOOD })).json(), { subjects: [] });
    assert.equal((await web.app.inject({ method: 'DELETE', url: '/v1/subjects/Alice', headers: GOOD })).statusCode, 404);
    assert.deepEqual((await web.app.inject({ url: '/v1/jobs', headers: { authorization: `bearer   ${TOKEN}` } })).json(), { jobs: [] });
  });

  test('enrollment with a token gets past auth (and fails on the missing photos)', async () => {
    const denied = await postParts(web.app, '/v1/subjects/Alice/examples', noFile);
    assert.equal(denied.statusCode, 401);
    const allowed = await postParts(web.app, '/v1/subjects/Alice/examples', noFile, GOOD);
    assert.equal(allowed.statusCode, 400);
  });

  for (const url of ['/', '/v1/recognitions', '/v1/jobs']) {
    test(`POST ${url} needs the token`, async () => {
      const denied = await postParts(web.app, url, noFile);
      assert.equal(denied.statusCode, 401);
      if (url === '/') assert.match(denied.body, /^Error: this route needs an "Authorization: Bearer <token>" header/);
      else assert.equal(denied.json().error.code, 'UNAUTHORIZED');
      const allowed = await postParts(web.app, url, noFile, GOOD);
      assert.equal(allowed.statusCode, 400, allowed.body);
    });
  }

  test('nothing is stored or enqueued for a refused upload', async () => {
    const res = await postParts(web.app, '/v1/recognitions', [{ name: 'inputFile', filename: 'x.jpg', content: await blankJpeg() }]);
    assert.equal(res.statusCode, 401);
    assert.deepEqual(await backends.requestQueue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.deepEqual(await backends.store.list(backends.names.inputBucket), []);
  });

  test('GET /v1/jobs/{id} is an upload route: it needs the token too', async () => {
    const url = '/v1/jobs/00000000-0000-0000-0000-000000000000';
    assert.equal((await web.app.inject({ url })).statusCode, 401);
    assert.equal((await web.app.inject({ url, headers: GOOD })).statusCode, 404);
  });

  const readRoutes = ['/v1/status', '/v1/info', '/v1/openapi.json', '/v1/events', '/metrics'];

  for (const url of readRoutes) {
    // An event stream let through never ends: the timeout turns that into a failure.
    test(`GET ${url} needs the token too`, { timeout: 20_000 }, async () => {
      const denied = await web.app.inject({ url });
      assert.equal(denied.statusCode, 401);
      if (url.startsWith('/v1/')) assert.equal(denied.json().error.code, 'UNAUTHORIZED');
      else assert.match(denied.body, /^Error: this route needs an "Authorization: Bearer <token>" header/);
    });
  }

  test('status, info, metrics and the document answer with the token; the event stream over a socket', async () => {
    for (const url of ['/v1/status', '/v1/openapi.json', '/metrics']) {
      assert.equal((await web.app.inject({ url, headers: GOOD })).statusCode, 200, url);
    }
    assert.deepEqual((await web.app.inject({ url: '/v1/info', headers: GOOD })).json().auth, { admin: true, uploads: true });
    const url = await web.app.listen({ host: '127.0.0.1', port: 0 });
    const status = async (headers: Record<string, string>) =>
      new Promise<number | undefined>((resolve, reject) => {
        get(`${url}/v1/events`, { headers }, (res) => {
          resolve(res.statusCode);
          res.destroy();
        }).on('error', reject);
      });
    assert.equal(await status({}), 401);
    assert.equal(await status(GOOD), 200);
  });

  test('the page, its files and the load balancer probes stay open', async () => {
    for (const url of ['/', '/ui/main.js', '/assets/uplot.js', '/healthz', '/readyz']) {
      assert.equal((await web.app.inject({ url })).statusCode, 200, url);
    }
  });
});

describe('with a token and nothing else said: uploads need it too', () => {
  let backends: TempBackends;
  let web: WebTier;
  before(async () => ({ backends, tier: web } = await webTier({ authToken: TOKEN })));
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  test('every upload route answers 401 without the token', async () => {
    for (const url of ['/', '/v1/recognitions', '/v1/jobs']) assert.equal((await postParts(web.app, url, noFile)).statusCode, 401, url);
    assert.equal((await web.app.inject({ url: '/v1/jobs/00000000-0000-0000-0000-000000000000' })).statusCode, 401);
    assert.deepEqual((await web.app.inject({ url: '/v1/info', headers: GOOD })).json().auth, { admin: true, uploads: true });
  });
});

describe('with a token, uploads open', () => {
  let backends: TempBackends;
  let web: WebTier;
  before(async () => ({ backends, tier: web } = await webTier({ authToken: TOKEN, requireAuthForUploads: false })));
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  test('uploads and their job results need no token; everything else under /v1/ and /metrics still does', async () => {
    for (const url of ['/', '/v1/recognitions', '/v1/jobs']) assert.equal((await postParts(web.app, url, noFile)).statusCode, 400, url);
    assert.equal((await web.app.inject({ url: '/v1/jobs/00000000-0000-0000-0000-000000000000' })).statusCode, 404);
    for (const url of ['/v1/subjects', '/v1/jobs', '/v1/status', '/v1/info', '/v1/openapi.json', '/metrics']) {
      assert.equal((await web.app.inject({ url })).statusCode, 401, url);
    }
    assert.deepEqual((await web.app.inject({ url: '/v1/info', headers: GOOD })).json().auth, { admin: true, uploads: false });
  });
});

describe('without a token', () => {
  let backends: TempBackends;
  let web: WebTier;
  before(async () => ({ backends, tier: web } = await webTier({ requireAuthForUploads: true })));
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  test('everything is open, whatever requireAuthForUploads says, and a stray header is ignored', async () => {
    assert.equal((await web.app.inject({ url: '/v1/subjects' })).statusCode, 200);
    assert.equal((await web.app.inject({ url: '/v1/subjects', headers: { authorization: 'Bearer whatever' } })).statusCode, 200);
    assert.equal((await postParts(web.app, '/v1/recognitions', noFile)).statusCode, 400);
    assert.deepEqual((await web.app.inject({ url: '/v1/info' })).json().auth, { admin: false, uploads: false });
  });
});

describe('token comparison', () => {
  test('tokensMatch is exact, whatever the lengths', () => {
    assert.equal(tokensMatch(TOKEN, TOKEN), true);
    assert.equal(tokensMatch(`${TOKEN}x`, TOKEN), false);
    assert.equal(tokensMatch(TOKEN.slice(0, -1), TOKEN), false);
    assert.equal(tokensMatch('', TOKEN), false);
    assert.equal(tokensMatch(TOKEN.toUpperCase(), TOKEN), false);
  });

  test('an empty configured token means no token', () => {
    assert.deepEqual(createAuthGuards({ token: '', requireAuthForUploads: true }).required, { admin: false, uploads: false });
  });
});
