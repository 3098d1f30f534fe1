import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../domain/errors.js';
import type { AuthSettings } from './deps.js';

export type AuthGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface AuthGuards {
  /** Every /v1/ route but the uploads, /metrics, the event stream: needs the token whenever one is configured. */
  readonly admin: AuthGuard;
  /** Uploads and a job's result: need the token when one is configured, unless `requireAuthForUploads` is false. */
  readonly upload: AuthGuard;
  /** What the page shows: which kinds of routes need a token. */
  readonly required: { readonly admin: boolean; readonly uploads: boolean };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares in constant time: both sides are hashed to the same length first. */
export function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

function guardWith(expected: string | undefined): AuthGuard {
  return async (request, reply) => {
    if (expected === undefined) return;
    const given = bearerOf(request.headers.authorization);
    if (given !== undefined && tokensMatch(given, expected)) return;
    void reply.header('www-authenticate', 'Bearer realm="scaleface"');
    throw new UnauthorizedError(
      given === undefined
        ? 'this route needs an "Authorization: Bearer <token>" header with the service\'s token'
        : 'the bearer token is not valid',
    );
  };
}

export function createAuthGuards(settings: AuthSettings): AuthGuards {
  const token = settings.token !== undefined && settings.token.length > 0 ? settings.token : undefined;
  const uploadToken = settings.requireAuthForUploads ? token : undefined;
  return {
    admin: guardWith(token),
    upload: guardWith(uploadToken),
    required: { admin: token !== undefined, uploads: uploadToken !== undefined },
  };
}
