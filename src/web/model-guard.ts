import type { FastifyRequest } from 'fastify';
import { WrongModelError } from '../domain/errors.js';
import type { ModelKind } from '../ports/image-model.js';

/**
 * onRequest guard of the routes that exist for the face model only (subjects, enrollment): under another model
 * they answer 409 WRONG_MODEL with the way to serve faces, before the body is read.
 */
export function faceOnlyGuard(kind: ModelKind): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (kind === 'face') return;
    throw new WrongModelError(
      `${request.method} ${request.routeOptions.url ?? request.url} is for the face model only; this deployment serves the ${kind} model `
      + '(start it with `scaleface up --model face` to enroll subjects)',
    );
  };
}
