import assert from 'node:assert/strict';
import { DEFAULT_BODY_BUDGET_BYTES } from '../../src/domain/upload-limits.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { findUiDir } from '../../src/web/routes/ui.js';
import { IDLE_STATUS, statusSnapshot } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

type Operation = { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, unknown>; parameters?: { name: string; in: string }[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('the OpenAPI document, the page and the status routes', () => {
  let backends: TempBackends;
  let web: WebTier;
  let statusFails = false;

  before(async () => {
    backends = await tempBackends();
    const status = async () => {
      if (statusFails) throw new Error("SQLITE_CANTOPEN: unable to open database file '/srv/scaleface/data/queue.db'");
      return statusSnapshot({ queue: { visible: 2, inFlight: 1, delayed: 0 }, backlog: 3, desired: 1, webTier: { replyQueue: 'web-1', waiting: 4 } });
    };
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: () => status });
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  test('GET /v1/openapi.json documents every API route with its answers', async () => {
    const res = await web.app.inject({ url: '/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json<Document>();
    assert.equal(doc.openapi, '3.0.3');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    const expected = [
      'POST /', 'POST /v1/recognitions', 'POST /v1/jobs', 'GET /v1/jobs', 'GET /v1/jobs/{id}',
      'GET /v1/subjects', 'GET /v1/subjects/{name}/thumbnail', 'POST /v1/subjects/{name}/examples', 'DELETE /v1/subjects/{name}',
      'GET /v1/status', 'GET /v1/info', 'GET /v1/events', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /v1/openapi.json',
      'POST /v1/collections', 'GET /v1/collections',
      'POST /v1/collections/{collection}/keys', 'GET /v1/collections/{collection}/keys', 'DELETE /v1/collections/{collection}/keys/{id}',
      'POST /v1/collections/{collection}/recognitions', 'POST /v1/collections/{collection}/jobs', 'GET /v1/collections/{collection}/jobs/{id}',
      'GET /v1/collections/{collection}/subjects', 'GET /v1/collections/{collection}/subjects/{name}/thumbnail',
      'POST /v1/collections/{collection}/subjects/{name}/examples', 'DELETE /v1/collections/{collection}/subjects/{name}',
      'POST /v1/verifications', 'POST /v1/detections', 'POST /v1/enrollments',
      'POST /v1/collections/{collection}/verifications', 'POST /v1/collections/{collection}/detections', 'POST /v1/collections/{collection}/enrollments',
    ];
    assert.deepEqual([...operations].sort(), [...expected].sort(), 'the page and its files are hidden; nothing else is');
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        assert.ok(Object.keys(operation.responses).some((s) => /^20\d$/.test(s)), `${method} ${path} documents its success`);
      }
    }
    const upload = doc.paths['/v1/recognitions']!.post!;
    assert.ok(upload.requestBody?.content['multipart/form-data']?.schema.properties.inputFile);
    assert.ok(upload.responses['415'] && upload.responses['504']);
    assert.ok(doc.paths['/v1/subjects/{name}/examples']!.post!.requestBody?.content['multipart/form-data']?.schema.properties.photos);
    const formOf = (path: string) => doc.paths[path]!.post!.requestBody?.content['multipart/form-data']?.schema.properties ?? {};
    assert.deepEqual(Object.keys(formOf('/v1/verifications')), ['source', 'target', 'subject']);
    assert.deepEqual(Object.keys(formOf('/v1/enrollments')), ['photos', 'archive']);
    assert.ok(formOf('/v1/detections').inputFile);
    assert.ok(doc.paths['/v1/verifications']!.post!.responses['422'], 'a photo without a face');
    assert.ok(doc.paths['/v1/enrollments']!.post!.responses['202']);
    assert.deepEqual(doc.paths['/v1/jobs/{id}']!.get!.parameters?.map((p) => [p.name, p.in]), [['id', 'path']]);
    assert.deepEqual(doc.paths['/v1/subjects/{name}']!.delete!.parameters?.map((p) => [p.name, p.in]), [['name', 'path']]);
    const named = doc.paths['/v1/collections/{collection}/jobs/{id}']!.get!;
    assert.deepEqual(named.parameters?.map((p) => [p.name, p.in]), [['collection', 'path'], ['id', 'path']]);
    assert.ok(named.responses['403'] && named.responses['404'], 'a collection route documents the scope refusal and the unknown collection');
    assert.ok(doc.paths['/v1/collections/{collection}/recognitions']!.post!.requestBody?.content['multipart/form-data']?.schema.properties.inputFile);
  });

  test('a route without a response schema, or under /v1/ without an auth guard, cannot be added', async () => {
    const fresh = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS, instanceId: 'fresh' });
    try {
      assert.throws(() => fresh.app.get('/v1/undocumented', async () => ({})), /GET \/v1\/undocumented has no response schema/);
      assert.throws(() => fresh.app.get('/v1/unguarded', { schema: { response: { 200: { type: 'object' } } } }, async () => ({})), /GET \/v1\/unguarded has no auth guard/);
      fresh.app.get('/v1/documented', { onRequest: fresh.app.authGuards.admin, schema: { response: { 200: { type: 'object' } } } }, async () => ({}));
      assert.equal((await fresh.app.inject({ url: '/v1/documented' })).statusCode, 200);
    } finally {
      await fresh.close();
    }
  });

  test('GET / serves the page; its scripts, styles and uPlot are served with their types', async () => {
    const page = await web.app.inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.match(page.body, /role="tablist"/);
    for (const tab of ['Recognize', 'Subjects', 'Dashboard']) assert.match(page.body, new RegExp(`>${tab}</button>`));
    const scripts = [...page.body.matchAll(/(?:src|href)="(\/(?:ui|assets)\/[^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(scripts.sort(), ['/assets/uplot.css', '/assets/uplot.js', '/ui/main.js', '/ui/style.css']);
    for (const url of [...scripts, '/ui/api.js', '/ui/recognize.js', '/ui/subjects.js', '/ui/dashboard.js']) {
      const res = await web.app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), url.endsWith('.js') ? /^text\/javascript/ : /^text\/css/, url);
    }
    assert.match((await web.app.inject({ url: '/assets/uplot.js' })).body, /uPlot/);
  });

  test('unknown page files are 404; paths that try to leave the folder are refused', async () => {
    assert.equal((await web.app.inject({ url: '/ui/missing.js' })).statusCode, 404);
    assert.equal((await web.app.inject({ url: '/ui/..%2fapp.js' })).statusCode, 400);
    assert.equal((await web.app.inject({ url: '/assets/uPlot.cjs.js' })).statusCode, 400);
    assert.ok(existsSync(join(findUiDir(), 'index.html')));
  });

  test('GET /v1/status answers the whole snapshot; /healthz and /readyz answer', async () => {
    const { admission, ...status } = (await web.app.inject({ url: '/v1/status' })).json() as Record<string, unknown>;
    // This web process's load shedding comes beside the system's snapshot: nothing held, nothing refused yet.
    assert.deepEqual({ ...(admission as Record<string, unknown>), recognitionsInProgress: 0, answersPerSecond: 0 }, {
      bodyBudgetBytes: DEFAULT_BODY_BUDGET_BYTES,
      bodyBytesHeld: 0,
      bodyBytesAdmitted: 0,
      bodiesHeld: 0,
      bodiesWaitingForRoom: 0,
      recognitionsInProgress: 0,
      answersPerSecond: 0,
      rateMeasured: false,
      predictedWaitMs: (admission as { predictedWaitMs: number }).predictedWaitMs,
      maxQueueWaitMs: 30_000,
      shed: { memory: 0, wait: 0 },
    });
    assert.deepEqual(status, statusSnapshot({ queue: { visible: 2, inFlight: 1, delayed: 0 }, backlog: 3, desired: 1, webTier: { replyQueue: 'web-1', waiting: 4 } }));
    assert.deepEqual((await web.app.inject({ url: '/healthz' })).json(), { ok: true });
    assert.deepEqual((await web.app.inject({ url: '/readyz' })).json(), { ready: true });
    assert.deepEqual((await web.app.inject({ url: '/v1/info' })).json(), {
      auth: { admin: false, uploads: false },
      maxUploadBytes: 10 * 1024 * 1024,
      model: { kind: 'face' },
      subjects: 0,
      matchRules: { distanceThreshold: 0.52, margin: 0.08 },
    });
  });

  test('when the status cannot be read: /readyz 503, /v1/status 500 JSON, /metrics still answers with status_up 0', async () => {
    statusFails = true;
    try {
      const ready = await web.app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().ready, false);
      assert.ok(!ready.body.includes('/srv') && !ready.body.includes('SQLITE'), `no internal detail: ${ready.body}`);
      const status = await web.app.inject({ url: '/v1/status' });
      assert.equal(status.statusCode, 500);
      assert.deepEqual(status.json(), { error: { code: 'INTERNAL', message: 'internal error' } });
      const metrics = await web.app.inject({ url: '/metrics' });
      assert.equal(metrics.statusCode, 200);
      assert.match(metrics.body, /^scaleface_status_up 0$/m);
    } finally {
      statusFails = false;
    }
    assert.match((await web.app.inject({ url: '/metrics' })).body, /^scaleface_status_up 1$/m);
  });
});
