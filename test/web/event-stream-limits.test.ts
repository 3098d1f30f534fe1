/**
 * The event-stream flood of issue 24, small: clients of `/v1/events` that never read, against the real web tier
 * over real sockets, with a cap of 2 clients, a short drain bound and large, fast events so that a non-reader's
 * socket buffers (about 4 MB on loopback) fill within seconds.
 */
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ConfigInput } from '../../src/config/index.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { instanceIn, statusSnapshot } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { waitUntil } from '../helpers/wait.js';

/** A reading client: counts `status` events and bytes, without parsing them (it must keep up). */
interface Reader {
  readonly response: IncomingMessage;
  readonly counts: { events: number; bytes: number; ended: boolean; closed: boolean };
}

function openReader(url: string): Promise<Reader> {
  return new Promise((resolve, reject) => {
    get(`${url}/v1/events`, (response) => {
      const counts = { events: 0, bytes: 0, ended: false, closed: false };
      response.setEncoding('latin1');
      response.on('data', (chunk: string) => {
        counts.bytes += chunk.length;
        counts.events += chunk.split('event: status\n').length - 1;
      });
      response.on('end', () => (counts.ended = true));
      response.on('close', () => (counts.closed = true));
      response.on('error', () => undefined);
      resolve({ response, counts });
    }).on('error', reject);
  });
}

/** A client that sends the request and never reads: its socket stays paused, the kernel holds what arrives. */
function openNonReader(url: string): Promise<Socket> {
  const { hostname, port, host } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`GET /v1/events HTTP/1.1\r\nHost: ${host}\r\n\r\n`, () => resolve(socket));
    });
    socket.pause();
    socket.once('error', reject);
  });
}

/** Resumes a paused socket and resolves once the server's end of it is gone (reset or closed). */
function closedByServer(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve());
    socket.resume();
  });
}

async function startTier(web: ConfigInput['web'], instances: number, intervalMs: number): Promise<{ backends: TempBackends; tier: WebTier; url: string }> {
  const backends = await tempBackends({ web });
  const snapshot = statusSnapshot({ instances: Array.from({ length: instances }, (_, i) => instanceIn('running', i + 1)) });
  const tier = await createWebTier(backends, { requestQueue: backends.requestQueue, status: () => async () => snapshot, eventsIntervalMs: intervalMs });
  const url = await tier.app.listen({ host: '127.0.0.1', port: 0 });
  return { backends, tier, url };
}

describe('event clients that never read, over a cap of 2', () => {
  let backends: TempBackends;
  let web: WebTier;
  let url: string;
  const sockets: Socket[] = [];

  before(async () => {
    // About 80 KB per event every 50 ms: a non-reader's buffers (about 4 MB) fill in about 3 s. The byte budget
    // is out of the way: here the full socket is what drops the non-reader.
    const limits = { eventsMaxClients: 2, eventsDrainTimeoutMs: 2000, eventsMaxStreamBytes: 2 ** 30 };
    ({ backends, tier: web, url } = await startTier(limits, 1000, 50));
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await web.close();
    await backends.dispose();
  });

  test('the client over the cap is refused, the non-reader is dropped, a reading client keeps getting events', { timeout: 120_000 }, async () => {
    const reader = await openReader(url);
    assert.equal(reader.response.statusCode, 200);
    const nonReader = await openNonReader(url);
    sockets.push(nonReader);
    await waitUntil('both clients listen', () => web.app.activityFeed.listeners === 2, 30_000);

    const refused = await new Promise<IncomingMessage>((resolve) => get(`${url}/v1/events`, resolve));
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After');
    const body = await new Promise<string>((resolve) => {
      let text = '';
      refused.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
    });
    const error = JSON.parse(body).error as { code: string; message: string };
    assert.equal(error.code, 'TOO_MANY_EVENT_CLIENTS');
    assert.match(error.message, /at most 2 /);
    assert.match(error.message, /web\.eventsMaxClients \(env SCALEFACE_WEB_EVENTS_MAX_CLIENTS\)/);

    await waitUntil('the non-reader is dropped', () => web.app.activityFeed.listeners === 1, 60_000);
    assert.equal(reader.counts.closed, false, 'the reading client is the one still connected');
    await closedByServer(nonReader);
    const seen = reader.counts.events;
    await waitUntil('the reader still gets events', () => reader.counts.events >= seen + 5, 30_000);
    assert.equal(reader.counts.ended, false, 'the reading client was not dropped');

    // The dropped client's place is free again.
    const next = await openReader(url);
    assert.equal(next.response.statusCode, 200);
    next.response.destroy();
    reader.response.destroy();
  });
});

describe('an event stream with a byte budget', () => {
  let backends: TempBackends;
  let web: WebTier;
  let url: string;
  const budget = 64 * 1024;

  before(async () => {
    ({ backends, tier: web, url } = await startTier({ eventsMaxClients: 4, eventsDrainTimeoutMs: 500, eventsMaxStreamBytes: budget }, 2, 20));
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  test('ends once it has been sent its budget (the client reconnects); a non-reader at its budget is reset', { timeout: 60_000 }, async () => {
    const reader = await openReader(url);
    await waitUntil('the stream ends at its budget', () => reader.counts.ended, 30_000);
    assert.ok(reader.counts.events > 10, `${reader.counts.events} events before the end`);
    // The budget counts event bytes; one event may cross it.
    assert.ok(reader.counts.bytes <= budget + 4096, `${reader.counts.bytes} bytes sent on a stream of budget ${budget}`);

    const nonReader = await openNonReader(url);
    await waitUntil('the non-reader at its budget is gone', () => web.app.activityFeed.listeners === 0, 30_000);
    await closedByServer(nonReader);
  });
});
