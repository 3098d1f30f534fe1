import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../src/domain/errors.js';
import { connectionErrorReason, runLoad } from '../../src/load/runner.js';
import { computeLoadStatistics } from '../../src/load/stats.js';
import { freePort, startStubServer, type StubServer } from './stub-recognition-server.js';

let dir = '';
const file = (name: string): string => join(dir, name);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scaleface-load-'));
  for (const name of ['alice.jpg', 'bob.png', 'carol.jpeg', 'dave.jpg', 'slow.jpg']) {
    await writeFile(file(name), randomBytes(2048 + name.length));
  }
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expected = new Map([
  ['alice', 'Alice'],
  ['bob', 'Bob'],
  ['carol', 'Carol'],
  ['dave', 'Dave'],
]);

describe('runLoad against a real HTTP server', () => {
  test('uploads each file as inputFile with its base name and bytes, cycling through the files', async () => {
    const server = await startStubServer({ answers: { alice: 'Alice', bob: 'Bob' } });
    try {
      const progress: Array<[number, number]> = [];
      const run = await runLoad({
        url: server.url,
        files: [file('alice.jpg'), file('bob.png')],
        requests: 5,
        concurrency: 2,
        timeoutMs: 10_000,
        onProgress: (done, total) => progress.push([done, total]),
      });
      assert.deepEqual(
        run.outcomes.map((o) => o.stem),
        ['alice', 'bob', 'alice', 'bob', 'alice'],
      );
      assert.ok(run.outcomes.every((o) => o.status === 'ok' && o.httpStatus === 200 && o.retries === 0));
      assert.deepEqual(progress.map(([done]) => done), [1, 2, 3, 4, 5]);
      assert.ok(progress.every(([, total]) => total === 5));
      assert.equal(server.received.length, 5);
      const alice = await readFile(file('alice.jpg'));
      const bob = await readFile(file('bob.png'));
      for (const upload of server.received) {
        assert.equal(upload.fieldName, 'inputFile');
        const isAlice = upload.filename === 'alice.jpg';
        assert.ok(isAlice || upload.filename === 'bob.png', upload.filename);
        assert.equal(upload.contentType, isAlice ? 'image/jpeg' : 'image/png');
        assert.ok(upload.bytes.equals(isAlice ? alice : bob));
      }
      assert.equal(server.received.filter((u) => u.filename === 'alice.jpg').length, 3);
    } finally {
      await server.close();
    }
  });

  test('counts a correct answer, a wrong answer, an HTTP 500 and an unexpected body', async () => {
    const server = await startStubServer({
      answers: { alice: 'Alice', bob: 'Mallory', carol: { status: 500, body: 'boom' }, dave: { status: 200, body: 'someone:Dave' } },
    });
    try {
      const run = await runLoad({
        url: server.url,
        files: ['alice.jpg', 'bob.png', 'carol.jpeg', 'dave.jpg'].map(file),
        requests: 8,
        concurrency: 3,
        timeoutMs: 10_000,
      });
      const stats = computeLoadStatistics(run.outcomes, { durationMs: run.durationMs, expectedLabels: expected });
      assert.equal(stats.total, 8);
      assert.equal(stats.completed, 4); // alice x2, bob x2
      assert.equal(stats.failed, 4); // carol x2 (500), dave x2 (wrong stem)
      assert.equal(stats.correct, 2);
      assert.equal(stats.wrong, 2);
      assert.deepEqual(stats.failuresByReason, { 'HTTP 500': 2, 'unexpected answer': 2 });
      assert.deepEqual(stats.retries, { total: 0, requestsRetried: 0 });
      const carol = run.outcomes.find((o) => o.stem === 'carol');
      assert.equal(carol?.httpStatus, 500);
      assert.equal(carol?.body, 'boom');
      assert.equal(run.outcomes.find((o) => o.stem === 'bob')?.label, 'Mallory');
      assert.equal(server.received.length, 8); // HTTP errors are not retried
      assert.ok(stats.durationSeconds > 0);
    } finally {
      await server.close();
    }
  });

  test('a refused connection is retried, counted apart, and then succeeds', async () => {
    const port = await freePort();
    let server: StubServer | undefined;
    const retryReasons: string[] = [];
    try {
      const run = await runLoad({
        url: `http://127.0.0.1:${port}/`,
        files: ['alice.jpg', 'bob.png', 'carol.jpeg'].map(file),
        requests: 3,
        concurrency: 1,
        timeoutMs: 10_000,
        retryDelayMs: 10,
        onConnectionRetry: async (event) => {
          retryReasons.push(event.reason);
          server ??= await startStubServer({ port, answers: { alice: 'Alice', bob: 'Bob', carol: 'Carol' } });
        },
      });
      assert.deepEqual(retryReasons, ['connection error (ECONNREFUSED)']);
      assert.deepEqual(run.outcomes.map((o) => [o.stem, o.status, o.retries]), [
        ['alice', 'ok', 1],
        ['bob', 'ok', 0],
        ['carol', 'ok', 0],
      ]);
      const stats = computeLoadStatistics(run.outcomes, { durationMs: run.durationMs, expectedLabels: expected });
      assert.equal(stats.completed, 3);
      assert.equal(stats.correct, 3);
      assert.deepEqual(stats.retries, { total: 1, requestsRetried: 1 });
    } finally {
      await server?.close();
    }
  });

  test('a connection the server drops mid-request is retried too', async () => {
    // Dropped after the request arrived. (A reset of the very first connection a process opens, before
    // the request is written, is not noticed by Node 20's fetch; node:http sees it as ECONNRESET.)
    const server = await startStubServer({ answers: { alice: 'Alice' }, resetFirstRequests: 1 });
    const retryReasons: string[] = [];
    try {
      const run = await runLoad({
        url: server.url,
        files: [file('alice.jpg')],
        requests: 1,
        concurrency: 1,
        timeoutMs: 10_000,
        retryDelayMs: 10,
        onConnectionRetry: (event) => void retryReasons.push(event.reason),
      });
      assert.deepEqual(retryReasons, ['connection error (ECONNRESET)']);
      assert.equal(run.outcomes[0]?.status, 'ok');
      assert.equal(run.outcomes[0]?.retries, 1);
      assert.equal(server.received.length, 1);
    } finally {
      await server.close();
    }
  });

  test('gives up after maxConnectRetries when nothing listens', async () => {
    const port = await freePort();
    const run = await runLoad({
      url: `http://127.0.0.1:${port}/`,
      files: [file('alice.jpg')],
      requests: 2,
      concurrency: 2,
      timeoutMs: 10_000,
      maxConnectRetries: 2,
      retryDelayMs: 1,
    });
    const stats = computeLoadStatistics(run.outcomes, { durationMs: run.durationMs });
    assert.equal(stats.failed, 2);
    assert.deepEqual(stats.retries, { total: 4, requestsRetried: 2 });
    assert.deepEqual(stats.failuresByReason, { 'connection error (ECONNREFUSED)': 2 });
  });

  test('a request that gets no answer in time fails as a timeout, without retry', async () => {
    const server = await startStubServer({ answers: { alice: 'Alice', slow: 'hang' } });
    try {
      const run = await runLoad({ url: server.url, files: [file('alice.jpg'), file('slow.jpg')], requests: 2, concurrency: 2, timeoutMs: 300 });
      assert.deepEqual(run.outcomes.map((o) => [o.stem, o.status, o.error, o.retries]), [
        ['alice', 'ok', undefined, 0],
        ['slow', 'failed', 'timeout', 0],
      ]);
    } finally {
      await server.close();
    }
  });

  test('concurrency 100 really keeps 100 requests in flight at once', async () => {
    const server = await startStubServer({ answers: { alice: 'Alice' }, holdUntilInFlight: 100, barrierTimeoutMs: 10_000 });
    try {
      const run = await runLoad({ url: server.url, files: [file('alice.jpg')], requests: 100, concurrency: 100, timeoutMs: 30_000 });
      assert.equal(server.maxInFlight(), 100);
      assert.ok(run.outcomes.every((o) => o.status === 'ok'));
    } finally {
      await server.close();
    }
  });

  test('rejects bad options and unreadable files before sending anything', async () => {
    const base = { url: 'http://127.0.0.1:1/', files: [file('alice.jpg')], requests: 1, concurrency: 1, timeoutMs: 1000 };
    await assert.rejects(runLoad({ ...base, files: [] }), InvalidInputError);
    await assert.rejects(runLoad({ ...base, requests: 0 }), InvalidInputError);
    await assert.rejects(runLoad({ ...base, concurrency: 1.5 }), InvalidInputError);
    await assert.rejects(runLoad({ ...base, url: 'ftp://127.0.0.1/' }), InvalidInputError);
    await assert.rejects(runLoad({ ...base, files: [file('missing.jpg')] }), InvalidInputError);
  });

  test('connectionErrorReason ignores errors that are not network failures', () => {
    assert.equal(connectionErrorReason(new Error('fetch failed')), undefined);
    assert.equal(connectionErrorReason(new TypeError('Invalid URL')), undefined);
    assert.equal(connectionErrorReason(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })), 'connection error (ECONNRESET)');
    assert.equal(connectionErrorReason(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 'connection error (ECONNRESET)');
    assert.equal(connectionErrorReason(Object.assign(new Error('bad header'), { code: 'HPE_INVALID_HEADER_TOKEN' })), undefined);
  });
});
