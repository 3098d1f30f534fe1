/**
 * The browser-facing defaults of a local service (issue 24): a page on another site cannot write (foreign
 * Origin, Sec-Fetch-Site: cross-site), and a name that is not this service's (DNS rebinding) reads nothing.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { ConfigInput } from '../../src/config/index.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { hostAllowed } from '../../src/web/browser-rules.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { postParts, TEST_STATUS } from './support.js';

/** A multipart body without the expected file: a request let through answers 400, a refused one 403. */
const noFile = [{ name: 'note', content: 'no file here' }];
const EVIL = 'http://evil.example';

async function webTier(web: ConfigInput['web'] = {}): Promise<{ backends: TempBackends; tier: WebTier }> {
  const backends = await tempBackends({ web: { replyTimeoutMs: 300, ...web } });
  const tier = await createWebTier(backends, { requestQueue: backends.requestQueue, status: TEST_STATUS });
  return { backends, tier };
}

describe('cross-site writes, without a token (the default)', () => {
  let backends: TempBackends;
  let web: WebTier;
  before(async () => ({ backends, tier: web } = await webTier({ allowedOrigins: ['https://dashboard.example.org'] })));
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  const writes = [
    { method: 'POST', url: '/v1/subjects/Mallory/examples' },
    { method: 'POST', url: '/v1/recognitions' },
    { method: 'POST', url: '/v1/jobs' },
  ] as const;

  for (const write of writes) {
    test(`${write.method} ${write.url} from a foreign Origin or a cross-site page: 403 with a readable message`, async () => {
      const cases: Record<string, string>[] = [{ origin: EVIL }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }, { origin: 'http://localhost:9999' }];
      for (const headers of cases) {
        const res = await postParts(web.app, write.url, noFile, headers);
        assert.equal(res.statusCode, 403, JSON.stringify(headers));
        assert.equal(res.json().error.code, 'ORIGIN_NOT_ALLOWED');
        assert.match(res.json().error.message, /web\.allowedOrigins/);
      }
    });
  }

  test('DELETE from a foreign Origin is refused; nothing is removed or enrolled', async () => {
    const res = await web.app.inject({ method: 'DELETE', url: '/v1/subjects/Alice', headers: { origin: EVIL } });
    assert.equal(res.statusCode, 403);
    assert.deepEqual(await backends.store.list(backends.names.galleryBucket), []);
    assert.deepEqual(await backends.requestQueue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
  });

  test('POST / from a foreign Origin: 403 in plain text', async () => {
    const res = await postParts(web.app, '/', noFile, { origin: EVIL });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /^Error: .*http:\/\/evil\.example/);
  });

  test('the same origin, an allowed origin, same-site pages and clients without Origin get through', async () => {
    const cases: Record<string, string>[] = [
      {},
      { origin: 'http://localhost' },
      { host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8000', 'sec-fetch-site': 'same-origin' },
      { origin: 'https://dashboard.example.org', 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'none' },
    ];
    for (const headers of cases) {
      const res = await postParts(web.app, '/v1/recognitions', noFile, headers);
      assert.equal(res.statusCode, 400, `${JSON.stringify(headers)}: ${res.body}`);
    }
  });

  test('reads from a foreign Origin are not refused (the browser keeps their answer from the page: no CORS headers)', async () => {
    const res = await web.app.inject({ url: '/v1/subjects', headers: { origin: EVIL, 'sec-fetch-site': 'cross-site' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
});

describe('DNS rebinding: a Host that is not this service', () => {
  let backends: TempBackends;
  let web: WebTier;
  let url: string;
  before(async () => {
    ({ backends, tier: web } = await webTier({ allowedHosts: ['scaleface.example.org'] }));
    url = await web.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  for (const [method, path] of [['GET', '/v1/subjects'], ['GET', '/v1/jobs'], ['DELETE', '/v1/subjects/Alice'], ['GET', '/v1/status'], ['GET', '/'], ['GET', '/metrics']] as const) {
    test(`${method} ${path} with Host: attacker.example is refused (421)`, async () => {
      const res = await web.app.inject({ method, url: path, headers: { host: 'attacker.example' } });
      assert.equal(res.statusCode, 421);
      if (path.startsWith('/v1/')) {
        assert.equal(res.json().error.code, 'HOST_NOT_ALLOWED');
        assert.match(res.json().error.message, /attacker\.example.*web\.allowedHosts/);
      } else assert.match(res.body, /^Error: /);
    });
  }

  test('over a real socket too', async () => {
    const { port } = new URL(url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: Number(port), path: '/v1/subjects', headers: { host: `attacker.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject).end();
    });
    assert.equal(status, 421);
  });

  test('loopback names, IP addresses, the configured names and the load balancer probes are served', async () => {
    for (const host of ['localhost:80', 'LOCALHOST', '127.0.0.1:8000', '[::1]:8000', '10.0.3.7:8000', 'scaleface.example.org', 'Scaleface.Example.org:443']) {
      assert.equal((await web.app.inject({ url: '/v1/subjects', headers: { host } })).statusCode, 200, host);
    }
    for (const probe of ['/healthz', '/readyz']) {
      assert.equal((await web.app.inject({ url: probe, headers: { host: 'attacker.example' } })).statusCode, 200, probe);
    }
  });
});

describe('hostAllowed', () => {
  test('names match exactly, whatever the case and the port; "*" allows any', () => {
    assert.equal(hostAllowed('localhost.attacker.example', []), false);
    assert.equal(hostAllowed('127.0.0.1.nip.io', []), false);
    assert.equal(hostAllowed('scaleface.example.org.attacker.example', ['scaleface.example.org']), false);
    assert.equal(hostAllowed(undefined, []), false);
    assert.equal(hostAllowed('', []), false);
    assert.equal(hostAllowed('[::ffff:127.0.0.1]:80', []), true);
    assert.equal(hostAllowed('anything.example', ['*']), true);
  });
});
