import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { settingLabel } from '../config/index.js';
import { asScalefaceError, NotFoundError, ScalefaceError, type ErrorCode } from '../domain/errors.js';
import { withMultipartHint } from './multipart.js';

/** The one place where errors become HTTP statuses. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403, // a valid API key without the route's scope
  ORIGIN_NOT_ALLOWED: 403,
  HOST_NOT_ALLOWED: 421, // Misdirected Request: this server does not serve that name
  TOO_MANY_EVENT_CLIENTS: 429,
  TOO_MANY_JOBS: 429,
  NOT_FOUND: 404,
  CONFLICT: 409,
  MODEL_MISMATCH: 409, // the gallery's state (enrolled with another model) conflicts with the request
  WRONG_MODEL: 409, // a face-only route while another model is configured
  PAYLOAD_TOO_LARGE: 413,
  NO_FACE: 422, // the photo is an image, but a verification needs a face in it
  UNSUPPORTED_MEDIA: 415,
  INTERNAL: 500,
  CONFIG_INVALID: 500,
  NATIVE_MODULE_MISMATCH: 500, // the installation's fault, not the request's; the log names the module and the fix
  QUEUE_LOST: 500, // refused at `up`'s start, never while serving
  WORKER_FAILED: 502,
  DEAD_LETTERED: 502,
  BACKEND_UNAVAILABLE: 503,
  OVERLOADED: 503,
  MODEL_UNAVAILABLE: 503,
  TIMEOUT: 504,
};

/**
 * What a client reads of a 5xx: the code and a fixed sentence. The error's own message may hold a path, a
 * statement, a backend's words or the reason a request was dead-lettered; it is logged, never answered.
 */
const GENERIC_MESSAGE_BY_CODE: Partial<Record<ErrorCode, string>> = {
  WORKER_FAILED: 'the app tier could not process the request',
  DEAD_LETTERED: 'the app tier failed on the request repeatedly; it was moved to the dead-letter queue',
  BACKEND_UNAVAILABLE: 'the service is temporarily unavailable; try again later',
  // No figure of the moment, but the limits an operator may raise.
  OVERLOADED: `the service is at capacity (its limits ${settingLabel(['web', 'bodyBudgetBytes'])} and ${settingLabel(['web', 'maxQueueWaitMs'])}); try again after the Retry-After delay`,
  MODEL_UNAVAILABLE: 'the recognition model is unavailable',
  TIMEOUT: 'no answer from the app tier in time',
};
const INTERNAL_MESSAGE = 'internal error';

export interface HttpProblem {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Structured facts for the client, on 4xx answers under /v1/ only. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The `Retry-After` header (seconds); every 503 has one. */
  readonly retryAfterSeconds?: number;
}

/** Seconds a client should wait before sending again after a 503 whose error names no wait of its own. */
export const RETRY_AFTER_SECONDS = 5;

/** The error's own wait, or the default one on a 503. */
function retryAfterOf(error: ScalefaceError, status: number): { retryAfterSeconds?: number } {
  const seconds = error.retryable ? error.retryAfterSeconds : undefined;
  if (seconds !== undefined) return { retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  return status === 503 ? { retryAfterSeconds: RETRY_AFTER_SECONDS } : {};
}

function problemOfScalefaceError(error: ScalefaceError): HttpProblem {
  const status = STATUS_BY_CODE[error.code];
  const retryAfter = retryAfterOf(error, status);
  if (status >= 500) return { status, code: error.code, message: GENERIC_MESSAGE_BY_CODE[error.code] ?? INTERNAL_MESSAGE, ...retryAfter };
  return { status, code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }), ...retryAfter };
}

/** The one mapping from anything thrown to an answer; 5xx answers never carry the error's own message. */
export function problemOf(error: unknown): HttpProblem {
  if (error instanceof ScalefaceError) return problemOfScalefaceError(error);
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  // The framework's and plugins' refusals of a request (validation, body parsing) are the client's.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: fastifyError.code ?? 'BAD_REQUEST', message: fastifyError.message ?? 'bad request' };
  }
  // A resource fault (full disk, busy database) is classified as retryable BACKEND_UNAVAILABLE; the rest INTERNAL.
  return problemOfScalefaceError(asScalefaceError(error));
}

/** JSON `{ error: { code, message } }` under /v1/, plain text elsewhere (the seed's clients read text). */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: HttpProblem): FastifyReply {
  reply.status(problem.status);
  if (problem.retryAfterSeconds !== undefined) void reply.header('retry-after', String(problem.retryAfterSeconds));
  if (request.url.startsWith('/v1/')) {
    const details = problem.details === undefined ? {} : { details: problem.details };
    return reply.send({ error: { code: problem.code, message: problem.message, ...details } });
  }
  return reply.type('text/plain; charset=utf-8').send(`Error: ${problem.message}\n`);
}

/** How much of an oversized upload is read and dropped so that its client can read the 413 (see below). */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;
const DISCARD_TIMEOUT_MS = 10_000;
/** A body refused for lack of room is answered at once: within this, or with the connection closed after. */
const OVERLOADED_DISCARD_TIMEOUT_MS = 1000;

/**
 * Reads and drops what the client is still sending, within a bound. A client that writes its whole body
 * before reading (no `Expect: 100-continue`, as Python's requests) would otherwise find the connection
 * closed under it and report a broken pipe instead of the 413. Past the bound the connection closes after
 * the answer. Resolves true when the body was read to its end.
 */
function discardRestOfBody(raw: IncomingMessage, timeoutMs: number): Promise<boolean> {
  if (raw.complete || raw.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', onEnd).off('close', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DISCARD_LIMIT_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(raw.complete);
    const timer = setTimeout(() => finish(false), timeoutMs);
    raw.on('data', onData).once('end', onEnd).once('close', onClose);
    raw.resume();
  });
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(async (error, request, reply) => {
    const problem = problemOf(withMultipartHint(error, request));
    // The detail a 5xx answer leaves out is here, in the server's log, under the request's traceId.
    if (problem.status >= 500) request.log.error({ err: error, code: problem.code }, 'request failed');
    else request.log.info({ code: problem.code, msg: problem.message }, 'request refused');
    // A refused body (too large, or no room for it now) is read and dropped, so that its client reads the answer.
    const discardMs = problem.status === 413 ? DISCARD_TIMEOUT_MS : problem.code === 'OVERLOADED' ? OVERLOADED_DISCARD_TIMEOUT_MS : 0;
    if (discardMs > 0 && !(await discardRestOfBody(request.raw, discardMs))) void reply.header('connection', 'close');
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, problemOf(new NotFoundError(`no route for ${request.method} ${request.url}`))),
  );
}
