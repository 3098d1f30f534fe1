/**
 * The red team's clients, over raw sockets where the attack is about sockets: a whole multipart upload, an
 * upload that sends part of its body and stalls, one that trickles a byte a second; and a memory sampler of the
 * `scaleface up` process tree (up and its workers, from /proc). Shared by bench/red-team.ts and the suite's
 * test/e2e/red-team-memory.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { readTreeRss } from './process-tree.js';

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly ms: number;
}

/** A multipart/form-data body with one file in `inputFile`. */
export function multipartUpload(fileName: string, bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----redteam${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="inputFile"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, bytes, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers };
}

/** Reads one HTTP/1.1 answer from `socket` (the server closes or sends a Content-Length); status 0 when cut. */
function readAnswer(socket: Socket, started: number, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const split = data.indexOf('\r\n\r\n');
      const ms = performance.now() - started;
      if (split < 0) return resolve({ status: 0, headers: {}, body: '', ms });
      const { status, headers } = parseHead(data.subarray(0, split).toString('latin1'));
      resolve({ status, headers, body: data.subarray(split + 4).toString('utf8'), ms });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) return;
      const length = Number(parseHead(data.subarray(0, split).toString('latin1')).headers['content-length'] ?? NaN);
      if (Number.isFinite(length) && data.length >= split + 4 + length) finish();
    });
    socket.on('close', finish);
    socket.on('error', finish);
  });
}

function requestHead(url: URL, path: string, contentType: string, length: number): Buffer {
  return Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`);
}

function open(url: URL): Socket {
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  socket.on('error', () => undefined);
  return socket;
}

/** POSTs a whole upload and reads the answer (status 0: the connection was cut without one). */
export function postUpload(baseUrl: string, path: string, fileName: string, bytes: Buffer, timeoutMs = 120_000): Promise<Answer> {
  const url = new URL(baseUrl);
  const { body, contentType } = multipartUpload(fileName, bytes);
  const started = performance.now();
  const socket = open(url);
  const answer = readAnswer(socket, started, timeoutMs);
  socket.write(requestHead(url, path, contentType, body.length));
  socket.write(body); // no half-close: Node's HTTP server drops a connection whose client ended its side
  return answer;
}

/** An upload in progress that the attacker controls: how much it sent, and whether the server ended it. */
export interface HeldUpload {
  /** Resolves with the server's answer, or status 0 when it closed the connection without one. */
  readonly answer: Promise<Answer>;
  /** True once the server closed the connection or answered. */
  ended(): boolean;
  /** The attacker gives up (closes the socket). */
  abandon(): void;
}

/** Announces the whole upload, sends its first `sendBytes` bytes, then sends nothing more. */
export function stalledUpload(baseUrl: string, path: string, fileName: string, bytes: Buffer, sendBytes: number, timeoutMs = 600_000): HeldUpload {
  const url = new URL(baseUrl);
  const { body, contentType } = multipartUpload(fileName, bytes);
  const socket = open(url);
  let ended = false;
  const answer = readAnswer(socket, performance.now(), timeoutMs).finally(() => (ended = true));
  socket.write(requestHead(url, path, contentType, body.length));
  socket.write(body.subarray(0, Math.min(sendBytes, body.length)));
  return { answer, ended: () => ended, abandon: () => socket.destroy() };
}

/** Announces the whole upload and sends one byte every `everyMs` ms until the server ends it. */
export function tricklingUpload(baseUrl: string, path: string, bytes: Buffer, everyMs = 1000, timeoutMs = 600_000): HeldUpload {
  const url = new URL(baseUrl);
  const { body, contentType } = multipartUpload('slow.jpg', bytes);
  const socket = open(url);
  let ended = false;
  let sent = 0;
  const timer = setInterval(() => {
    if (ended || sent >= body.length) return;
    socket.write(body.subarray(sent, sent + 1));
    sent += 1;
  }, everyMs);
  const answer = readAnswer(socket, performance.now(), timeoutMs).finally(() => {
    ended = true;
    clearInterval(timer);
  });
  socket.write(requestHead(url, path, contentType, body.length));
  return { answer, ended: () => ended, abandon: () => socket.destroy() };
}

/** Runs `task(i)` for i in 0..count-1, at most `concurrency` at once. */
export async function pooled<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

/** Summed RSS of `up` and its workers every `intervalMs`; the peak and the latest value in MB. */
export class TreeMemorySampler {
  peakMb = 0;
  latestMb = 0;
  /** The largest RSS of `up` alone (the web tier), and the most processes seen at once. */
  peakUpMb = 0;
  mostProcesses = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly rootPid: number, private readonly intervalMs = 100) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const tree = await readTreeRss(this.rootPid);
      if (tree !== null) {
        this.latestMb = tree.rssMb;
        this.peakMb = Math.max(this.peakMb, tree.rssMb);
        this.peakUpMb = Math.max(this.peakUpMb, tree.rootMb);
        this.mostProcesses = Math.max(this.mostProcesses, tree.pids.length);
      }
      await sleep(this.intervalMs);
    }
  }

  /** Starts a new peak from now. */
  resetPeak(): void {
    this.peakMb = this.latestMb;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Current summed RSS of the tree in MB (0 when /proc cannot be read). */
export async function treeRssMb(rootPid: number): Promise<number> {
  return (await readTreeRss(rootPid))?.rssMb ?? 0;
}

/** Sends one normal request every `everyMs` while the attack runs; what it saw. */
export class NormalProbe {
  readonly answers: Answer[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(baseUrl: string, image: Buffer, everyMs = 1000) {
    this.loop = (async () => {
      for (let i = 0; this.running; i++) {
        this.answers.push(await postUpload(baseUrl, '/', `probe_${i}.jpg`, image, 120_000));
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<Answer[]> {
    this.running = false;
    await this.loop;
    return this.answers;
  }
}
