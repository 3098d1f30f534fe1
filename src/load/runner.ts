/**
 * The load generator: sends `requests` multipart uploads (field `inputFile`) to `url` from a fixed pool
 * of `concurrency` async loops, cycling through `files`. Sends with node:http(s) over a keep-alive agent of
 * `concurrency` sockets, so `concurrency` requests are really in flight at once (measured: a quarter of the
 * client CPU per request that fetch took, so the bench measures the service rather than its client).
 *
 * Connection errors (refused, reset, socket closed) are retried up to `maxConnectRetries` times and
 * counted apart; HTTP errors and timeouts are not retried. Latency is that of the final attempt.
 */
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { basename, extname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError } from '../domain/errors.js';
import { fileStem } from './expected-labels.js';
import { classifyAnswer, type RequestOutcome } from './stats.js';

export interface ConnectionRetryEvent {
  readonly file: string;
  /** 1 for the first retry. */
  readonly retry: number;
  readonly reason: string;
}

export interface RunLoadOptions {
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` when the service requires one. */
  readonly token?: string;
  /** Image paths; request i sends files[i % files.length]. */
  readonly files: readonly string[];
  readonly requests: number;
  readonly concurrency: number;
  /** Per attempt, covering the upload and the whole answer. */
  readonly timeoutMs: number;
  /** Default 3. */
  readonly maxConnectRetries?: number;
  /** Wait before retry k is retryDelayMs * k; default 100. */
  readonly retryDelayMs?: number;
  onProgress?(done: number, total: number): void;
  /** Called before a connection retry; the retry waits for a returned promise. */
  onConnectionRetry?(event: ConnectionRetryEvent): void | Promise<void>;
}

export interface LoadRun {
  /** In request order. */
  readonly outcomes: RequestOutcome[];
  /** Wall-clock duration of the requests (reading the files beforehand is not included). */
  readonly durationMs: number;
  readonly startedAt: Date;
}

export const DEFAULT_MAX_CONNECT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 100;
const CONNECTION_ERROR_MESSAGES = new Set(['fetch failed', 'terminated']);
/** Socket-level failures of node:http worth a retry (the server was not there, or closed the connection). */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

interface Upload {
  readonly file: string;
  readonly name: string;
  readonly stem: string;
  /** The whole multipart/form-data body, built once: encoding it per request cost more CPU than the request. */
  readonly body: Uint8Array<ArrayBuffer>;
}

const BOUNDARY = `----scaleface-load-${Date.now().toString(36)}`;
const MULTIPART_CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** `inputFile` as the seed's clients send it; quotes and line breaks in the name are escaped. */
function multipartBody(name: string, file: string, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const safeName = name.replace(/["\r\n]/g, (c) => encodeURIComponent(c));
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="inputFile"; filename="${safeName}"\r\n` +
    `Content-Type: ${mediaType(file)}\r\n\r\n`;
  return new Uint8Array(Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]));
}

type AttemptResult =
  | { readonly kind: 'answer'; readonly outcome: RequestOutcome }
  | { readonly kind: 'connection-error'; readonly reason: string; readonly latencyMs: number };

function mediaType(file: string): string {
  const extension = extname(file).toLowerCase();
  if (extension === '.png') return 'image/png';
  if (extension === '.jpg' || extension === '.jpeg') return 'image/jpeg';
  return 'application/octet-stream';
}

function requirePositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new InvalidInputError(`${name} must be a whole number of at least 1, got ${value}`);
}

function validate(options: RunLoadOptions): void {
  if (options.files.length === 0) throw new InvalidInputError('no files to send');
  requirePositiveInteger(options.requests, 'requests');
  requirePositiveInteger(options.concurrency, 'concurrency');
  requirePositiveInteger(options.timeoutMs, 'timeoutMs');
  const retries = options.maxConnectRetries ?? DEFAULT_MAX_CONNECT_RETRIES;
  if (!Number.isInteger(retries) || retries < 0) throw new InvalidInputError(`maxConnectRetries must be 0 or more, got ${retries}`);
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError(`url must be http(s): ${options.url}`);
}

/** Reads each file that will be sent once, before the clock starts. */
async function prepareUploads(files: readonly string[], requests: number): Promise<Upload[]> {
  const used = files.slice(0, Math.min(files.length, requests));
  return Promise.all(
    used.map(async (file) => {
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (error) {
        throw new InvalidInputError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
      }
      const name = basename(file);
      return { file, name, stem: fileStem(file), body: multipartBody(name, file, bytes) };
    }),
  );
}

/** The reason text when `error` is a network-level failure worth retrying; undefined otherwise. */
export function connectionErrorReason(error: unknown): string | undefined {
  const socketCode = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof socketCode === 'string' && CONNECTION_ERROR_CODES.has(socketCode)) return `connection error (${socketCode})`;
  if (!(error instanceof TypeError) || !CONNECTION_ERROR_MESSAGES.has(error.message)) return undefined;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : error.message;
  return `connection error (${code})`;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** One POST over `agent`: the status and the body as text; rejects with a TimeoutError past `timeoutMs`. */
function post(url: URL, agent: HttpAgent, upload: Upload, options: RunLoadOptions): Promise<{ status: number; body: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = {
    'content-type': MULTIPART_CONTENT_TYPE,
    'content-length': String(upload.body.byteLength),
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
  };
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'POST', agent, headers }, (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new TimeoutError('request timed out')), options.timeoutMs);
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
    request.end(upload.body);
  });
}

async function attempt(upload: Upload, options: RunLoadOptions, client: Client, retries: number): Promise<AttemptResult> {
  const started = performance.now();
  const base = { file: upload.file, stem: upload.stem, retries };
  try {
    const response = await post(client.url, client.agent, upload, options);
    const body = response.body;
    const latencyMs = performance.now() - started;
    const verdict = classifyAnswer(upload.stem, response.status, body);
    const detail = verdict.status === 'ok' ? { label: verdict.label } : { error: verdict.error };
    return { kind: 'answer', outcome: { ...base, status: verdict.status, httpStatus: response.status, body, latencyMs, ...detail } };
  } catch (error) {
    const latencyMs = performance.now() - started;
    if (isTimeout(error)) return { kind: 'answer', outcome: { ...base, status: 'failed', latencyMs, error: 'timeout' } };
    const reason = connectionErrorReason(error);
    if (reason !== undefined) return { kind: 'connection-error', reason, latencyMs };
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'answer', outcome: { ...base, status: 'failed', latencyMs, error: `request error (${message})` } };
  }
}

/** Where requests go and the keep-alive agent they share. */
interface Client {
  readonly url: URL;
  readonly agent: HttpAgent;
}

async function sendWithRetries(upload: Upload, options: RunLoadOptions, client: Client): Promise<RequestOutcome> {
  const maxRetries = options.maxConnectRetries ?? DEFAULT_MAX_CONNECT_RETRIES;
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  for (let retries = 0; ; retries += 1) {
    const result = await attempt(upload, options, client, retries);
    if (result.kind === 'answer') return result.outcome;
    if (retries >= maxRetries) {
      return { file: upload.file, stem: upload.stem, status: 'failed', latencyMs: result.latencyMs, retries, error: result.reason };
    }
    await options.onConnectionRetry?.({ file: upload.file, retry: retries + 1, reason: result.reason });
    await sleep(retryDelayMs * (retries + 1));
  }
}

export async function runLoad(options: RunLoadOptions): Promise<LoadRun> {
  validate(options);
  const uploads = await prepareUploads(options.files, options.requests);
  const outcomes: RequestOutcome[] = new Array<RequestOutcome>(options.requests);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < options.requests) {
      const index = next;
      next += 1;
      outcomes[index] = await sendWithRetries(uploads[index % uploads.length] as Upload, options, client);
      done += 1;
      options.onProgress?.(done, options.requests);
    }
  };
  const url = new URL(options.url);
  const sockets = Math.min(options.concurrency, options.requests);
  const agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: sockets }) : new HttpAgent({ keepAlive: true, maxSockets: sockets });
  const client = { url, agent };
  const startedAt = new Date();
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: sockets }, worker));
  } finally {
    agent.destroy();
  }
  return { outcomes, durationMs: performance.now() - started, startedAt };
}
