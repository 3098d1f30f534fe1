import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { listenHostOf, startServer, type RunningServer } from '../../src/web/server.js';

interface Gate {
  /** Resolves when the slow route has received its request. */
  readonly entered: Promise<void>;
  open(): void;
}

function gate(): Gate & { enter(): void; opened: Promise<void> } {
  let enter!: () => void;
  let open!: () => void;
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { entered, enter, open, opened };
}

/** An app whose GET /slow answers only when the test opens the gate. */
function slowApp(slow: ReturnType<typeof gate>): FastifyInstance {
  const app = Fastify({ logger: false });
  const response = { 200: { type: 'string' } };
  app.get('/slow', { schema: { response } }, async () => {
    slow.enter();
    await slow.opened;
    return 'finished';
  });
  app.get('/fast', { schema: { response } }, async () => 'fast');
  return app;
}

/** One GET on a fresh connection; resolves with status and body, or rejects with the socket's error. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(app: FastifyInstance, closeGraceMs: number, events: string[]): Promise<RunningServer> {
  return startServer(app, {
    web: { port: 0, closeGraceMs },
    closeBackends: async () => void events.push('backends closed'),
  });
}

describe('startServer', () => {
  test('listens on 127.0.0.1 without a token, on every address with one, or where web.host says', async () => {
    assert.equal(listenHostOf({ port: 0, closeGraceMs: 0 }), '127.0.0.1');
    assert.equal(listenHostOf({ port: 0, closeGraceMs: 0, authToken: 'a-long-token' }), '0.0.0.0');
    assert.equal(listenHostOf({ port: 0, closeGraceMs: 0, authToken: 'a-long-token', host: '::1' }), '::1');
    const slow = gate();
    const server = await serve(slowApp(slow), 1000, []);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual(await get(`${server.url}/fast`), { status: 200, body: 'fast' });
    } finally {
      await server.close();
    }
  });

  test('close lets a request in flight finish, refuses new connections meanwhile, then closes the backends', async () => {
    const slow = gate();
    const events: string[] = [];
    const server = await serve(slowApp(slow), 30_000, events);
    const inFlight = get(`${server.url}/slow`);
    await slow.entered;
    const closed = server.close().then(() => events.push('close resolved'));
    assert.equal(server.close(), server.close(), 'later calls share the first close');
    await assert.rejects(get(`${server.url}/fast`), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
    assert.deepEqual(events, [], 'the backends stay open while a request is in flight');
    slow.open();
    assert.deepEqual(await inFlight, { status: 200, body: 'finished' });
    await closed;
    assert.deepEqual(events, ['backends closed', 'close resolved']);
  });

  test('at the bound, requests still in flight are dropped and the backends close', async () => {
    const slow = gate();
    const events: string[] = [];
    const server = await serve(slowApp(slow), 300, events);
    const inFlight = get(`${server.url}/slow`).then(
      () => 'answered',
      () => 'dropped',
    );
    await slow.entered;
    const started = Date.now();
    await server.close();
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 5000, `closed after ${elapsed} ms with a 300 ms bound`);
    assert.deepEqual(events, ['backends closed']);
    assert.equal(await inFlight, 'dropped');
    slow.open();
  });

  test('an idle keep-alive connection does not hold close', async () => {
    const slow = gate();
    const server = await serve(slowApp(slow), 30_000, []);
    const response = await fetch(`${server.url}/fast`); // undici keeps the connection open afterwards
    assert.equal(await response.text(), 'fast');
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 5000, 'closed without waiting for the keep-alive timeout');
  });
});
