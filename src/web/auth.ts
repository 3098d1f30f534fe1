import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_COLLECTION, scopeGrants, validateCollectionName, type KeyScope } from '../domain/collections.js';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';
import { defaultCollectionOnly, unknownCollection, type CollectionAccess } from './access-registry.js';
import type { AuthSettings } from './deps.js';

export type AuthGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The collection the route names (`default` on the routes that name none), set by a collection guard. */
    collection: string;
  }
}

export interface AuthGuards {
  /** Deployment-wide routes (collections, every job, /metrics, the event stream): the token whenever one is configured. */
  readonly admin: AuthGuard;
  /** `POST /`: the token when one is configured, unless `requireAuthForUploads` is false. */
  readonly upload: AuthGuard;
  /**
   * A route of one collection: resolves `request.collection` (404 for an unknown one), then takes the token or a key
   * of that collection holding `scope` (401 without a valid credential, 403 without the scope).
   */
  collection(scope: KeyScope): AuthGuard;
  /** Whether `hook` is one of these guards (every /v1/ route must name one). */
  isGuard(hook: unknown): boolean;
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

/** The credential of a request: its bearer, or (the usual header of face services) `x-api-key`. */
function credentialOf(request: FastifyRequest): string | undefined {
  const apiKey = request.headers['x-api-key'];
  return bearerOf(request.headers.authorization) ?? (typeof apiKey === 'string' && apiKey.length > 0 ? apiKey.trim() : undefined);
}

function unauthorized(reply: FastifyReply, message: string): UnauthorizedError {
  void reply.header('www-authenticate', 'Bearer realm="scaleface"');
  return new UnauthorizedError(message);
}

const MISSING = 'this route needs an "Authorization: Bearer <token>" header with the service\'s token';

function guardWith(expected: string | undefined): AuthGuard {
  return async (request, reply) => {
    if (expected === undefined) return;
    const given = bearerOf(request.headers.authorization);
    if (given !== undefined && tokensMatch(given, expected)) return;
    throw unauthorized(reply, given === undefined ? MISSING : 'the bearer token is not valid');
  };
}

interface CollectionGuardSettings {
  readonly token: string | undefined;
  /** The default collection's uploads are open (a token, but `requireAuthForUploads` false). */
  readonly openDefaultUploads: boolean;
  readonly access: CollectionAccess;
}

function collectionNameOf(request: FastifyRequest): string {
  const named = (request.params as { collection?: unknown } | undefined)?.collection;
  return typeof named === 'string' ? validateCollectionName(named) : DEFAULT_COLLECTION;
}

function missingCredential(collection: string): string {
  if (collection === DEFAULT_COLLECTION) return `${MISSING} or a key of collection "${DEFAULT_COLLECTION}"`;
  return `this route needs an "Authorization: Bearer <key>" header with a key of collection "${collection}" or the service's token`;
}

function collectionGuard(scope: KeyScope, settings: CollectionGuardSettings): AuthGuard {
  return async (request, reply) => {
    const collection = collectionNameOf(request);
    if (!(await settings.access.collectionExists(collection))) throw unknownCollection(collection);
    request.collection = collection;
    const { token } = settings;
    if (token === undefined) return; // an open deployment: nothing needs a credential
    const given = credentialOf(request);
    if (given !== undefined && tokensMatch(given, token)) return;
    if (given === undefined) {
      if (settings.openDefaultUploads && scope === 'recognize' && collection === DEFAULT_COLLECTION) return;
      throw unauthorized(reply, missingCredential(collection));
    }
    const key = await settings.access.keyOf(collection, given);
    if (key === undefined) throw unauthorized(reply, `the key is not valid for collection "${collection}" (unknown, revoked, or of another collection)`);
    if (!scopeGrants(key.scopes, scope)) {
      throw new ForbiddenError(`key ${key.id} of collection "${collection}" has the scopes ${key.scopes.join(', ')}; this route needs ${scope} (or admin)`);
    }
  };
}

export function createAuthGuards(settings: AuthSettings, access: CollectionAccess = defaultCollectionOnly()): AuthGuards {
  const token = settings.token !== undefined && settings.token.length > 0 ? settings.token : undefined;
  const uploadToken = settings.requireAuthForUploads ? token : undefined;
  const guardSettings = { token, openDefaultUploads: !settings.requireAuthForUploads, access };
  const byScope = new Map<KeyScope, AuthGuard>((['recognize', 'enroll', 'admin'] as const).map((scope) => [scope, collectionGuard(scope, guardSettings)]));
  const admin = guardWith(token);
  const upload = guardWith(uploadToken);
  const all = new Set<unknown>([admin, upload, ...byScope.values()]);
  return {
    admin,
    upload,
    collection: (scope) => byScope.get(scope)!,
    isGuard: (hook) => all.has(hook),
    required: { admin: token !== undefined, uploads: uploadToken !== undefined },
  };
}
