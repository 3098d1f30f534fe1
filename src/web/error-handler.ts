import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScalefaceError, type ErrorCode } from '../domain/errors.js';

/** The one place where errors become HTTP statuses. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  MODEL_MISMATCH: 409, // the gallery's state (enrolled with another model) conflicts with the request
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  INTERNAL: 500,
  CONFIG_INVALID: 500,
  WORKER_FAILED: 502,
  DEAD_LETTERED: 502,
  BACKEND_UNAVAILABLE: 503,
  MODEL_UNAVAILABLE: 503,
  TIMEOUT: 504,
};

export interface HttpProblem {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Structured facts for the client, on 4xx answers under /v1/ only. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export function problemOf(error: unknown): HttpProblem {
  if (error instanceof ScalefaceError) {
    const status = STATUS_BY_CODE[error.code];
    const message = status >= 500 && status < 502 ? 'internal error' : error.message;
    const details = status < 500 && error.details !== undefined ? { details: error.details } : {};
    return { status, code: error.code, message, ...details };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: fastifyError.code ?? 'BAD_REQUEST', message: fastifyError.message ?? 'bad request' };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** JSON `{ error: { code, message } }` under /v1/, plain text elsewhere (the seed's clients read text). */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: HttpProblem): FastifyReply {
  reply.status(problem.status);
  if (request.url.startsWith('/v1/')) {
    const details = problem.details === undefined ? {} : { details: problem.details };
    return reply.send({ error: { code: problem.code, message: problem.message, ...details } });
  }
  return reply.type('text/plain; charset=utf-8').send(`Error: ${problem.message}\n`);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = problemOf(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, msg: problem.message }, 'request refused');
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, { status: 404, code: 'NOT_FOUND', message: `no route for ${request.method} ${request.url}` }),
  );
}
