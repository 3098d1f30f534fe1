import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ActivityFeed, type EventSink } from '../../src/observability/activity-feed.js';
import { RecentAnswerTimes } from '../../src/observability/answer-times.js';
import { readStatusSummary } from '../../src/observability/status-summary.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { statusSnapshot } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';
import { waitFor } from './support.js';

interface ServerEvent {
  event: string;
  data: unknown;
}

/** Reads events from a stream until `count` have arrived. */
function readEvents(response: IncomingMessage, count: number): Promise<ServerEvent[]> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const events: ServerEvent[] = [];
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        if (events.length === count) resolve(events);
      }
    });
    response.on('error', reject);
    response.on('end', () => reject(new Error(`stream ended after ${events.length} event(s)`)));
  });
}

describe('GET /v1/events over a real socket', () => {
  let backends: TempBackends;
  let web: WebTier;
  let url: string;

  before(async () => {
    backends = await tempBackends();
    const status = async () =>
      statusSnapshot({
        queue: { visible: 4, inFlight: 2, delayed: 1 },
        instances: [{ name: 'i-1', id: '1', state: 'running', ready: true, busy: 1 }],
        desired: 2,
      });
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: () => status, eventsIntervalMs: 100 });
    url = await web.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await web.close();
    await backends.dispose();
  });

  test('sends the history, then status snapshots with a sample; closing the app ends the stream', async () => {
    const response = await new Promise<IncomingMessage>((resolve) => get(`${url}/v1/events`, { headers: { 'x-request-id': 'sse-1' } }, resolve));
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(response.headers['x-request-id'], 'sse-1');
    const events = await readEvents(response, 3);
    assert.deepEqual(events.map((e) => e.event), ['history', 'status', 'status']);
    assert.deepEqual(events[0]!.data, { intervalMs: 100, samples: [] });
    const { status, sample } = events[1]!.data as { status: { desired: number }; sample: Record<string, number> };
    assert.equal(status.desired, 2);
    assert.deepEqual(
      { ...sample, at: 0 },
      { at: 0, queued: 5, inFlight: 2, running: 1, pending: 0, desired: 2, throughput: 0, latencyP50Ms: null, latencyP95Ms: null },
      'no answer yet: no latency',
    );

    // A second client gets the samples taken so far as its history.
    const second = await new Promise<IncomingMessage>((resolve) => get(`${url}/v1/events`, resolve));
    const [history] = await readEvents(second, 1);
    assert.ok((history!.data as { samples: unknown[] }).samples.length >= 2);
    const ended = Promise.all([response, second].map((r) => new Promise((resolve) => r.on('end', resolve).resume())));
    await web.close();
    await ended;
  });
});

describe('ActivityFeed', () => {
  function sink(): EventSink & { chunks: string[]; ended: boolean } {
    return {
      chunks: [],
      ended: false,
      write(chunk: string) {
        this.chunks.push(...chunk.split(/(?<=\n\n)/));
        return true;
      },
      end() {
        this.ended = true;
      },
      reset() {
        this.ended = true;
      },
      onceDrained() {},
    };
  }

  test('throughput is the completed count per second between samples; history is bounded', async () => {
    const time = { now: 10_000 };
    let completed = 0;
    const feed = new ActivityFeed({
      readStatus: async () => statusSnapshot({ queue: { visible: 1, inFlight: 0, delayed: 0 } }),
      summarize: readStatusSummary,
      completed: () => completed,
      intervalMs: 60_000,
      historySize: 2,
      now: () => time.now,
    });
    const client = sink();
    const unsubscribe = feed.subscribe(client);
    const samples = () => client.chunks.filter((c) => c.startsWith('event: status')).map((c) => JSON.parse(c.split('data: ')[1]!).sample);
    await waitFor('the first sample', async () => (samples().length === 1 ? true : undefined));
    assert.equal(samples()[0].throughput, 0, 'no baseline yet');
    completed = 6;
    time.now += 2000;
    await feed.tick();
    assert.equal(samples().at(-1).throughput, 3);
    time.now += 1000;
    await feed.tick();
    assert.equal(samples().at(-1).throughput, 0);

    const late = sink();
    feed.subscribe(late);
    const history = JSON.parse(late.chunks[1]!.split('data: ')[1]!);
    assert.equal(history.samples.length, 2, 'only historySize samples are kept');
    unsubscribe();
    assert.equal(feed.listeners, 1);
    feed.close();
    assert.equal(late.ended, true);
    assert.equal(feed.listeners, 0);
  });

  test('the status is read once per interval while a client listens, and never while none does', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let reads = 0;
    const feed = new ActivityFeed({
      readStatus: async () => ((reads += 1), statusSnapshot()),
      summarize: readStatusSummary,
      completed: () => 0,
      intervalMs: 1000,
    });
    // A read resolves within a turn of the event loop (setImmediate is not mocked): let it, then move the clock.
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const advance = async (ms: number) => {
      await settle();
      for (let step = 0; step < ms; step += 1000) {
        t.mock.timers.tick(1000);
        await settle();
      }
    };
    const unsubscribe = feed.subscribe(sink());
    await advance(0);
    assert.equal(reads, 1, 'a first read at once');
    await advance(3000);
    assert.equal(reads, 4, 'then one per interval');
    unsubscribe();
    await advance(60_000);
    assert.equal(reads, 4, 'nothing is read without listeners');
    feed.subscribe(sink());
    await advance(2000);
    assert.equal(reads, 7, 'a new listener starts the reads again');
    feed.close();
    await advance(60_000);
    assert.equal(reads, 7, 'nothing is read once the feed is closed');
  });

  test("each sample carries the p50 and p95 of the answers of the last 10 s, null once they are older", async () => {
    const time = { now: 100_000 };
    const answerTimes = new RecentAnswerTimes();
    for (const ms of [100, 200, 300, 400, 2500]) answerTimes.record(time.now - 5000, ms);
    const feed = new ActivityFeed({
      readStatus: async () => statusSnapshot(),
      summarize: readStatusSummary,
      completed: () => 0,
      answerTimes: (now) => answerTimes.percentiles(now),
      intervalMs: 60_000,
      now: () => time.now,
    });
    const client = sink();
    feed.subscribe(client);
    const samples = () => client.chunks.filter((c) => c.startsWith('event: status')).map((c) => JSON.parse(c.split('data: ')[1]!).sample);
    await waitFor('the first sample', async () => (samples().length === 1 ? true : undefined));
    assert.deepEqual([samples()[0].latencyP50Ms, samples()[0].latencyP95Ms], [300, 2500]);
    time.now += 6000;
    await feed.tick();
    assert.deepEqual([samples()[1].latencyP50Ms, samples()[1].latencyP95Ms], [null, null]);
    feed.close();
  });

  test('a failing status read is sent as a status-error event', async () => {
    const feed = new ActivityFeed({
      readStatus: async () => {
        throw new Error("SQLITE_CANTOPEN: unable to open database file '/srv/scaleface/data/queue.db'");
      },
      summarize: readStatusSummary,
      completed: () => 0,
      intervalMs: 60_000,
    });
    const client = sink();
    feed.subscribe(client);
    await feed.tick();
    feed.close();
    const errors = client.chunks.filter((c) => c.startsWith('event: status-error\n'));
    assert.equal(errors.length, 1, client.chunks.join('|'));
    assert.ok(!errors[0]!.includes('/srv') && !errors[0]!.includes('SQLITE'), `no internal detail: ${errors[0]}`);
    assert.ok(JSON.parse(errors[0]!.split('data: ')[1]!).message.length > 0);
  });
});
