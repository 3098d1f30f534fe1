/**
 * A real HTTP server (node:http on 127.0.0.1) that stands in for the web tier in the load tests:
 * it parses the multipart upload, records what it received and answers `<stem>:<label>` from a table.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A label to answer with, or a raw reply (status + body), or 'hang' (never answer). */
export type StubAnswer = string | { readonly status: number; readonly body: string } | 'hang';

export interface StubServerOptions {
  /** stem -> answer; stems not in the table get 404. */
  readonly answers: Readonly<Record<string, StubAnswer>>;
  readonly port?: number;
  /** Destroy the connection of this many requests without answering (a crash mid-request). */
  readonly resetFirstRequests?: number;
  /** Hold every request until this many are in flight at once (released after `barrierTimeoutMs` anyway). */
  readonly holdUntilInFlight?: number;
  readonly barrierTimeoutMs?: number;
}

export interface ReceivedUpload {
  readonly fieldName: string;
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

export interface StubServer {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedUpload[];
  /** Most requests in flight at the same moment. */
  readonly maxInFlight: () => number;
  close(): Promise<void>;
}

function headerParam(header: string, name: string): string | undefined {
  const match = new RegExp(`${name}="?([^";]+)"?`, 'i').exec(header);
  return match?.[1];
}

/** Minimal multipart/form-data parser: returns every part that carries a file name. */
export function parseMultipart(body: Buffer, contentType: string): ReceivedUpload[] {
  const boundary = headerParam(contentType, 'boundary');
  if (boundary === undefined) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: ReceivedUpload[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const partStart = start + delimiter.length + 2; // skip CRLF after the delimiter
    const end = body.indexOf(delimiter, partStart);
    if (end < 0) break;
    const part = body.subarray(partStart, end - 2); // drop CRLF before the next delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const filename = headerParam(disposition, 'filename');
    if (filename !== undefined) {
      parts.push({
        fieldName: headerParam(disposition, 'name') ?? '',
        filename,
        contentType: /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? '',
        bytes: Buffer.from(part.subarray(headerEnd + 4)),
      });
    }
    start = end;
  }
  return parts;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function stemOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 ? filename.slice(0, dot) : filename;
}

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
}

function answerUpload(response: ServerResponse, uploads: readonly ReceivedUpload[], answers: StubServerOptions['answers']): void {
  const upload = uploads.find((u) => u.fieldName === 'inputFile');
  if (upload === undefined) return reply(response, 400, 'no inputFile');
  const stem = stemOf(upload.filename);
  const answer = answers[stem];
  if (answer === 'hang') return;
  if (answer === undefined) return reply(response, 404, `unknown ${stem}`);
  if (typeof answer === 'string') return reply(response, 200, `${stem}:${answer}`);
  return reply(response, answer.status, answer.body);
}

interface StubHandler {
  readonly received: ReceivedUpload[];
  readonly maxInFlight: () => number;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Releases held requests and stops the barrier timer. */
  release(): void;
}

function createStubHandler(options: StubServerOptions): StubHandler {
  const received: ReceivedUpload[] = [];
  let resetsLeft = options.resetFirstRequests ?? 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let releaseBarrier: () => void = () => {};
  const barrier = new Promise<void>((resolve) => (releaseBarrier = resolve));
  const hold = options.holdUntilInFlight;
  const barrierTimer = hold === undefined ? undefined : setTimeout(() => releaseBarrier(), options.barrierTimeoutMs ?? 5000);
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (resetsLeft > 0) {
      resetsLeft -= 1;
      request.socket.destroy();
      return;
    }
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (hold !== undefined && inFlight >= hold) releaseBarrier();
    try {
      const uploads = parseMultipart(await readBody(request), request.headers['content-type'] ?? '');
      received.push(...uploads);
      if (hold !== undefined) await barrier;
      answerUpload(response, uploads, options.answers);
    } finally {
      inFlight -= 1;
    }
  };
  const release = (): void => {
    if (barrierTimer !== undefined) clearTimeout(barrierTimer);
    releaseBarrier();
  };
  return { received, maxInFlight: () => maxInFlight, handle, release };
}

export async function startStubServer(options: StubServerOptions): Promise<StubServer> {
  const handler = createStubHandler(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => void handler.handle(request, response));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    received: handler.received,
    maxInFlight: handler.maxInFlight,
    async close() {
      handler.release();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
